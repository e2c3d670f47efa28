import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { ReadCache } from '#libs/cache';
import { CATEGORY_LISTS } from './get-product.handler';
import { CategoryRecord } from '../../infrastructure/category.record';
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
    private readonly dataSource: DataSource,
    private readonly cache: ReadCache,
  ) {}

  execute(query: ListCategories): Promise<{ items: CategoryView[] }> {
    return this.cache.getInNamespace(
      CATEGORY_LISTS,
      'all',
      async () => {
        const rows = await this.dataSource.getRepository(CategoryRecord).find({ order: { path: 'ASC' } });
        return { items: rows.map((c) => ({ id: c.id, name: c.name, slug: c.slug, parentId: c.parentId })) };
      },
      query.atLeastLsn,
    );
  }
}
