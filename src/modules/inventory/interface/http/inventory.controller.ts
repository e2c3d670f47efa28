import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseFilters } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMIN_ROLE, CurrentUser, Roles, type AuthUser } from '#libs/auth';
import { ApiProblems, PageQuery } from '#libs/http';
import { AdjustStock } from '../../application/commands/adjust-stock.handler';
import { SetStock } from '../../application/commands/set-stock.handler';
import { GetStock } from '../../application/queries/get-stock.handler';
import { ListStockMovements, type MovementPage } from '../../application/queries/list-stock-movements.handler';
import type { StockView } from '../../application/stock-view';
import { InventoryProblemsFilter } from './inventory-problems.filter';
import { AdjustStockDto, SetStockDto, SkuParams } from './inventory.dto';
import { StockMovementPageResponse, StockResponse } from './inventory.responses';

/** Stock levels and their audit trail: admins only. */
@ApiTags('inventory')
@ApiBearerAuth()
@Roles(ADMIN_ROLE)
@ApiProblems({ 403: ['forbidden'] })
@UseFilters(InventoryProblemsFilter)
@Controller('v1/inventory')
export class InventoryController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get(':sku')
  @ApiOperation({ operationId: 'getStock', summary: "Get a SKU's stock" })
  @ApiOkResponse({ type: StockResponse, description: "The SKU's stock" })
  @ApiProblems({ 404: ['stock-not-found'] })
  get(@Param() params: SkuParams): Promise<StockView> {
    return this.queries.execute(new GetStock(params.sku));
  }

  /** Sets what is on hand (a count); creates the SKU's stock row when it has none. 409 below what is reserved. */
  @Put(':sku')
  @ApiOperation({ operationId: 'setStock', summary: 'Set the units on hand of a SKU (a count)' })
  @ApiOkResponse({ type: StockResponse, description: "The SKU's stock after the count" })
  @ApiProblems({ 409: ['below-reserved'] })
  set(@Param() params: SkuParams, @Body() body: SetStockDto, @CurrentUser() user: AuthUser): Promise<StockView> {
    return this.commands.execute(new SetStock(params.sku, body.onHand, user.id));
  }

  /** Adds or removes units with a reason. 409 when on hand would drop below what is reserved or below zero. */
  @Post(':sku/adjustments')
  @HttpCode(200)
  @ApiOperation({ operationId: 'adjustStock', summary: 'Add or remove units of a SKU, with a reason' })
  @ApiOkResponse({ type: StockResponse, description: "The SKU's stock after the adjustment" })
  @ApiProblems({ 404: ['stock-not-found'], 409: ['below-reserved', 'below-zero', 'stock-limit'] })
  adjust(@Param() params: SkuParams, @Body() body: AdjustStockDto, @CurrentUser() user: AuthUser): Promise<StockView> {
    return this.commands.execute(new AdjustStock(params.sku, body.delta, body.reason, user.id));
  }

  /** The audit trail of on-hand changes, newest first: `{items, next}`. */
  @Get(':sku/movements')
  @ApiOperation({ operationId: 'listStockMovements', summary: "List a SKU's on-hand changes, newest first" })
  @ApiOkResponse({ type: StockMovementPageResponse, description: 'A page of movements' })
  @ApiProblems({ 404: ['stock-not-found'] })
  movements(@Param() params: SkuParams, @Query() page: PageQuery): Promise<MovementPage> {
    return this.queries.execute(new ListStockMovements(params.sku, page.limit, page.cursor));
  }
}
