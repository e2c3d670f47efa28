import { Body, Controller, Get, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  type HttpCachePolicy,
  responseHeaders,
} from '#libs/http';
import { catalogCachePolicy } from './catalog-cache-policy';
import { CreateCategory, type CategoryView } from '../../application/commands/create-category.handler';
import { ListCategories } from '../../application/queries/list-categories.handler';
import { CatalogProblemsFilter } from './catalog-problems.filter';
import { CreateCategoryDto } from './catalog.dto';
import { CategoryListResponse, CategoryResponse } from './catalog.responses';

@ApiTags('catalog')
@UseFilters(CatalogProblemsFilter)
@Controller('v1/categories')
export class CategoriesController {
  private readonly cachePolicy: HttpCachePolicy;

  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(SETTINGS) settings: CatalogSettings,
  ) {
    this.cachePolicy = catalogCachePolicy(settings);
  }

  @Public()
  @Get()
  @ApiOperation({ operationId: 'listCategories', summary: 'List the category tree' })
  @ApiOkResponse({
    type: CategoryListResponse,
    description: 'Every category',
    headers: responseHeaders('ETag', 'Cache-Control'),
  })
  @ApiConditionalRead()
  async list(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ items: CategoryView[] } | undefined> {
    const body = await this.queries.execute(new ListCategories(consistencyTokenOf(request)));
    return cacheableRead(request, reply, body, bodyEtag(body), this.cachePolicy);
  }

  @ApiBearerAuth()
  @Roles(ADMIN_ROLE)
  @Post()
  @ApiOperation({ operationId: 'createCategory', summary: 'Create a category' })
  @ApiCreatedResponse({ type: CategoryResponse, description: 'The category created' })
  @ApiProblems({ 403: ['forbidden'], 409: ['slug-taken'], 422: ['unknown-category'] })
  create(@Body() body: CreateCategoryDto): Promise<CategoryView> {
    return this.commands.execute(new CreateCategory(body.name, body.slug, body.parentId));
  }
}
