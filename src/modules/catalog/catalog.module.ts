import { ProductArchived, ProductCreated, ProductUpdated } from '#libs/contracts';
import { defineModule } from '#libs/modularity';
import { catalogSettings } from './catalog.settings';
import { ArchiveProductHandler } from './application/commands/archive-product.handler';
import { CreateCategoryHandler } from './application/commands/create-category.handler';
import { CreateProductHandler } from './application/commands/create-product.handler';
import { UpdateProductHandler } from './application/commands/update-product.handler';
import {
  ForgetArchivedProductHandler,
  ForgetCreatedProductHandler,
  ForgetUpdatedProductHandler,
} from './application/events/forget-changed-product.handler';
import { GetProductHandler } from './application/queries/get-product.handler';
import { ListCategoriesHandler } from './application/queries/list-categories.handler';
import { ListProductsHandler } from './application/queries/list-products.handler';
import { CategoryStore } from './application/ports/category-store';
import { ProductStore } from './application/ports/product-store';
import { CategoryRecord } from './infrastructure/category.record';
import { PostgresCategoryStore } from './infrastructure/postgres-category-store';
import { CreateCatalogTables1764400000000 } from './infrastructure/migrations/create-catalog-tables';
import { ProductRecord } from './infrastructure/product.record';
import { PostgresProductStore } from './infrastructure/postgres-product-store';
import { CachedProductReads } from './interface/http/cached-product-reads';
import { ProductPageIndex } from './interface/http/product-page-index';
import { CategoriesController } from './interface/http/categories.controller';
import { ProductsController } from './interface/http/products.controller';

/** Products and categories: the read-heavy heart of the API. See README.md. */
export const catalogModule = defineModule({
  name: 'catalog',
  schema: 'catalog',
  settings: catalogSettings,
  entities: [CategoryRecord, ProductRecord],
  migrations: [CreateCatalogTables1764400000000],
  providers: [
    { provide: ProductStore, useClass: PostgresProductStore },
    { provide: CategoryStore, useClass: PostgresCategoryStore },
    CreateCategoryHandler,
    CreateProductHandler,
    UpdateProductHandler,
    ArchiveProductHandler,
    GetProductHandler,
    ListProductsHandler,
    ListCategoriesHandler,
  ],
  controllers: [CategoriesController, ProductsController],
  httpProviders: [CachedProductReads, ProductPageIndex],
  routes: ['/v1/categories', '/v1/products'],
  publishes: [ProductCreated, ProductUpdated, ProductArchived],
  eventHandlers: [ForgetCreatedProductHandler, ForgetUpdatedProductHandler, ForgetArchivedProductHandler],
});
