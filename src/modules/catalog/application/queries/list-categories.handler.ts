import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { CategoryRecord } from '../../infrastructure/category.record';
import type { CategoryView } from '../commands/create-category.handler';

export class ListCategories extends Query<{ items: CategoryView[] }> {}

/** The whole tree, parents before their children. */
@QueryHandler(ListCategories)
export class ListCategoriesHandler implements IQueryHandler<ListCategories> {
  constructor(private readonly dataSource: DataSource) {}

  async execute(): Promise<{ items: CategoryView[] }> {
    const rows = await this.dataSource.getRepository(CategoryRecord).find({ order: { path: 'ASC' } });
    return { items: rows.map((c) => ({ id: c.id, name: c.name, slug: c.slug, parentId: c.parentId })) };
  }
}
