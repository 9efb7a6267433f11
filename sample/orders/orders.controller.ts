import { Body, Controller, Get, Param, ParseIntPipe, Post } from '@nestjs/common';
import type { OrderInput } from './order-steps';
import { Order } from './order.model';
import { OrderService } from './order.service';
import { PlaceOrderPipe } from './place-order.input';

@Controller('orders')
export class OrdersController {
  constructor(private readonly service: OrderService) {}

  /** 201 with the order and its invoice; 400 for a bad body, 422 for an unknown product, 402 when payment is declined. */
  @Post()
  place(@Body(PlaceOrderPipe) input: OrderInput) {
    return this.service.placeOrder(input);
  }

  @Get()
  list() {
    return Order.orderBy('id', 'desc').limit(20).all();
  }

  @Get('summary')
  summary() {
    return this.service.summary();
  }

  /** 400 for an id that is not a number, 404 (ActiveRecordExceptionFilter) for one that does not exist. */
  @Get(':id')
  show(@Param('id', ParseIntPipe) id: number) {
    return Order.find(id);
  }
}
