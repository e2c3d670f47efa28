import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_ROLE, Public, Roles } from '#libs/auth';
import { SETTINGS } from '#libs/config';
import type { CatalogSettings } from '../../catalog.settings';
import { consistencyTokenOf } from '#libs/database';
import {
  ApiConditionalRead,
  ApiProblems,
  bodyEtag,
  cacheableRead,
  CanonicalUuidPipe,
  type HttpCachePolicy,
  responseHeaders,
} from '#libs/http';
import { catalogCachePolicy } from './catalog-cache-policy';
import { ProblemException } from '#libs/problems';
import { ArchiveProduct } from '../../application/commands/archive-product.handler';
import { CreateProduct } from '../../application/commands/create-product.handler';
import { UpdateProduct } from '../../application/commands/update-product.handler';
import type { ProductView } from '../../application/product-view';
import { GetProduct } from '../../application/queries/get-product.handler';
import { ListProducts, productPageKey, type ProductPage } from '../../application/queries/list-products.handler';
import { productEtag, versionsIfMatch } from '../../domain/product';
import { CatalogProblemsFilter } from './catalog-problems.filter';
import { ProductPageIndex } from './product-page-index';
import { CreateProductDto, ProductListQuery, UpdateProductDto } from './catalog.dto';
import { ProductPageResponse, ProductResponse } from './catalog.responses';

@ApiTags('catalog')
@UseFilters(CatalogProblemsFilter)
@Controller('v1/products')
export class ProductsController {
  private readonly cachePolicy: HttpCachePolicy;

  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(SETTINGS) settings: CatalogSettings,
    private readonly pages: ProductPageIndex,
  ) {
    this.cachePolicy = catalogCachePolicy(settings);
  }

  @Public()
  @Get()
  @ApiOperation({ operationId: 'listProducts', summary: 'List active products: filtered, sorted, paginated' })
  @ApiOkResponse({
    type: ProductPageResponse,
    description: 'A page of active products',
    headers: responseHeaders('ETag', 'Cache-Control'),
  })
  @ApiConditionalRead()
  @ApiProblems({ 422: ['unknown-category'] })
  async list(
    @Query() query: ProductListQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProductPage | undefined> {
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      throw new ProblemException(
        'validation-error',
        HttpStatus.BAD_REQUEST,
        'Request validation failed',
        'minPrice must not exceed maxPrice',
      );
    }
    const list = new ListProducts(
      { categoryId: query.category, minPrice: query.minPrice, maxPrice: query.maxPrice, text: query.q },
      query.sort,
      query.limit,
      query.cursor,
      consistencyTokenOf(request),
    );
    const page = await this.queries.execute(list);
    // A read without a token may be answered from the cache next time, before this pipeline.
    if (!list.atLeastLsn) this.pages.remember(request.url, productPageKey(list));
    return cacheableRead(request, reply, page, bodyEtag(page), this.cachePolicy);
  }

  @Public()
  @Get(':id')
  @ApiOperation({ operationId: 'getProduct', summary: 'Get a product (archived ones too; drafts are not found)' })
  @ApiOkResponse({
    type: ProductResponse,
    description: 'The product',
    headers: responseHeaders('ETag', 'Cache-Control'),
  })
  @ApiConditionalRead()
  @ApiProblems({ 404: ['product-not-found'] })
  async get(
    @Param('id', CanonicalUuidPipe) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProductView | undefined> {
    const product = await this.queries.execute(new GetProduct(id, false, consistencyTokenOf(request)));
    return cacheableRead(request, reply, product, productEtag(product), this.cachePolicy);
  }

  @ApiBearerAuth()
  @Roles(ADMIN_ROLE)
  @Post()
  @ApiOperation({ operationId: 'createProduct', summary: 'Create a product' })
  @ApiCreatedResponse({
    type: ProductResponse,
    description: 'The product created',
    headers: responseHeaders('ETag', 'Location'),
  })
  @ApiProblems({ 403: ['forbidden'], 409: ['sku-taken'], 422: ['unknown-category'] })
  async create(@Body() body: CreateProductDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<ProductView> {
    const product = await this.commands.execute(
      new CreateProduct({
        ...body,
        price: { ...body.price },
        attributes: body.attributes ?? {},
        status: body.status ?? 'draft',
      }),
    );
    void reply.header('ETag', productEtag(product)).header('Location', `/v1/products/${product.id}`);
    return product;
  }

  /**
   * Needs `If-Match` (RFC 9110): the product's current ETag, a list holding it, or `*`. 428
   * without it, 412 when none of its strong tags is the current one.
   */
  @ApiBearerAuth()
  @Roles(ADMIN_ROLE)
  @Patch(':id')
  @ApiOperation({ operationId: 'updateProduct', summary: 'Change a product at the version it was read' })
  @ApiHeader({
    name: 'If-Match',
    required: true,
    description:
      "The product's `ETag` as last read; or a list of ETags, one of which must be current (weak ones never are); or `*`, any version.",
  })
  @ApiOkResponse({ type: ProductResponse, description: 'The product changed', headers: responseHeaders('ETag') })
  @ApiProblems({
    403: ['forbidden'],
    404: ['product-not-found'],
    409: ['invalid-transition'],
    412: ['precondition-failed'],
    422: ['unknown-category'],
    428: ['precondition-required'],
  })
  async update(
    @Param('id', CanonicalUuidPipe) id: string,
    @Body() body: UpdateProductDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProductView> {
    if (!ifMatch) {
      throw new ProblemException(
        'precondition-required',
        HttpStatus.PRECONDITION_REQUIRED,
        'Precondition Required',
        "send If-Match with the product's ETag",
      );
    }
    const versions = versionsIfMatch(ifMatch, id);
    if (versions !== 'any' && versions.length === 0) {
      throw new ProblemException(
        'precondition-failed',
        HttpStatus.PRECONDITION_FAILED,
        'Precondition Failed',
        'If-Match does not name a version of this product',
      );
    }
    const product = await this.commands.execute(
      new UpdateProduct(id, versions, { ...body, ...(body.price ? { price: { ...body.price } } : {}) }),
    );
    void reply.header('ETag', productEtag(product));
    return product;
  }

  /** Archives: the product stays readable by id but is no longer listed or sold. */
  @ApiBearerAuth()
  @Roles(ADMIN_ROLE)
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'archiveProduct', summary: 'Archive a product (idempotent)' })
  @ApiNoContentResponse({ description: 'Archived, or already archived' })
  @ApiProblems({ 403: ['forbidden'], 404: ['product-not-found'] })
  async archive(@Param('id', CanonicalUuidPipe) id: string): Promise<void> {
    await this.commands.execute(new ArchiveProduct(id));
  }
}
