import { Catch, HttpException, HttpStatus, UnprocessableEntityException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { PaymentDeclinedError, UnknownProductError } from './shop-errors';

/**
 * The shop's refusals as 4xx answers with their own message: an unknown product is a request
 * the shop cannot process (422), a declined payment asks the client to pay otherwise (402).
 * Both happen before, or are undone by, the cross-database unit: nothing stays half-written.
 */
@Catch(UnknownProductError, PaymentDeclinedError)
export class ShopExceptionFilter extends BaseExceptionFilter {
  override catch(error: UnknownProductError | PaymentDeclinedError, host: ArgumentsHost): void {
    const answer =
      error instanceof UnknownProductError
        ? new UnprocessableEntityException({ statusCode: 422, error: 'Unprocessable Entity', message: error.message }, { cause: error })
        : new HttpException({ statusCode: 402, error: 'Payment Required', message: error.message }, HttpStatus.PAYMENT_REQUIRED, { cause: error });
    super.catch(answer, host);
  }
}
