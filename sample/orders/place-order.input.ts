import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import type { OrderInput } from './order-steps';

export interface InputProblem {
  field: string;
  message: string;
}

const FIELDS = new Set(['customer', 'product', 'quantity']);
const MAX_QUANTITY = 1000;

/**
 * Checks the request body at the edge, before anything reaches the databases, and answers 400
 * listing every problem at once. (class-validator's ValidationPipe with a DTO does the same job;
 * the sample stays free of extra dependencies.)
 */
@Injectable()
export class PlaceOrderPipe implements PipeTransform<unknown, OrderInput> {
  transform(body: unknown): OrderInput {
    const problems: InputProblem[] = [];
    const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
    if (!isObject) problems.push({ field: 'body', message: 'must be a JSON object' });
    const input = (isObject ? body : {}) as Record<string, unknown>;
    for (const field of Object.keys(input)) {
      if (!FIELDS.has(field)) problems.push({ field, message: `is not a field of an order (expected: ${[...FIELDS].join(', ')})` });
    }
    const customer = requiredText(input, 'customer', problems);
    const product = requiredText(input, 'product', problems);
    const quantity = 'quantity' in input ? input.quantity : 1;
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      problems.push({ field: 'quantity', message: `must be a whole number from 1 to ${MAX_QUANTITY}, got ${JSON.stringify(quantity)}` });
    }
    if (problems.length > 0) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: `Invalid order: ${problems.map((problem) => `${problem.field} ${problem.message}`).join('; ')}`,
        errors: problems,
      });
    }
    return { customer: customer!, product: product!, quantity: quantity as number };
  }
}

function requiredText(input: Record<string, unknown>, field: string, problems: InputProblem[]): string | undefined {
  const value = input[field];
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push({ field, message: 'is required (a non-empty string)' });
    return undefined;
  }
  if (value.length > 100) {
    problems.push({ field, message: 'is longer than 100 characters' });
    return undefined;
  }
  return value.trim();
}
