import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadCache } from '#libs/cache';
import { ReadDataSource } from '#libs/database';
import { CATEGORY_LISTS } from './get-product.handler';
import { CategoryStore } from '../ports/category-store';
import type { CategoryView } from '../commands/create-category.handler';

export class ListCategories extends Query<{ items: CategoryView[] }> {
  constructor(readonly atLeastLsn?: string) {
    super();
  }
}

/** The whole tree, parents before their children. */
@QueryHandler(ListCategories)
export class ListCategoriesHandler implements IQueryHandler<ListCategories> {
  constructor(
    private readonly reads: ReadDataSource,
    private readonly cache: ReadCache,
    private readonly categories: CategoryStore,
  ) {}

  execute(query: ListCategories): Promise<{ items: CategoryView[] }> {
    return this.cache.getInNamespace(
      CATEGORY_LISTS,
      'all',
      () =>
        this.reads.query(async (dataSource) => {
          const rows = await this.categories.all(dataSource);
          return { items: rows.map((c) => ({ id: c.id, name: c.name, slug: c.slug, parentId: c.parentId })) };
        }, query.atLeastLsn),
      query.atLeastLsn,
    );
  }
}
