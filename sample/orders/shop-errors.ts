/**
 * What the shop refuses for business reasons, as errors of their own: the service says what went
 * wrong, and ShopExceptionFilter (shop-exception.filter.ts) decides what HTTP makes of it.
 */
export class UnknownProductError extends Error {
  constructor(
    readonly product: string,
    known: readonly string[],
  ) {
    super(`Unknown product '${product}' (we sell: ${known.join(', ')})`);
    this.name = 'UnknownProductError';
  }
}

export class PaymentDeclinedError extends Error {
  constructor(readonly customer: string) {
    super(`Payment declined for customer '${customer}'`);
    this.name = 'PaymentDeclinedError';
  }
}
