import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { Order } from './order.model';
import { OrderService } from './order.service';

@Controller('orders')
export class OrdersController {
  constructor(private readonly service: OrderService) {}

  @Post()
  place(@Body() body: { customer: string; product: string; quantity?: number }) {
    return this.service.placeOrder(body.customer, body.product, body.quantity ?? 1);
  }

  @Get()
  list() {
    return Order.orderBy('id', 'desc').limit(20).all();
  }

  @Get('summary')
  summary() {
    return this.service.summary();
  }

  @Get(':id')
  show(@Param('id') id: string) {
    return Order.find(id);
  }
}
