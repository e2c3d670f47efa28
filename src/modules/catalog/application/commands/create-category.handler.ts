import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { ReadCache } from '#libs/cache';
import { ReadDataSource } from '#libs/database';
import { CATEGORY_LISTS } from '../queries/get-product.handler';
import { CatalogError } from '../../domain/catalog-errors';
import { CategoryStore, type StoredCategory } from '../ports/category-store';

export type CategoryView = Omit<StoredCategory, 'path'>;

export class CreateCategory extends Command<CategoryView> {
  constructor(
    readonly name: string,
    readonly slug: string,
    readonly parentId: string | undefined,
  ) {
    super();
  }
}

@CommandHandler(CreateCategory)
export class CreateCategoryHandler implements ICommandHandler<CreateCategory> {
  constructor(
    private readonly cache: ReadCache,
    private readonly reads: ReadDataSource,
    private readonly categories: CategoryStore,
  ) {}

  async execute(command: CreateCategory): Promise<CategoryView> {
    const parent = command.parentId ? await this.categories.byId(command.parentId) : null;
    if (command.parentId && !parent)
      throw new CatalogError('unknown-category', `parent category ${command.parentId} does not exist`);
    const id = randomUUID();
    const category = { id, name: command.name, slug: command.slug, parentId: parent?.id ?? null };
    if (!(await this.categories.insert({ ...category, path: `${parent?.path ?? '/'}${id}/` }))) {
      throw new CatalogError('slug-taken', `a category with slug "${command.slug}" already exists`);
    }
    // With where it was written: a replica that has not replayed it cannot put the old list back.
    await this.cache.invalidate([CATEGORY_LISTS], await this.reads.writePosition());
    return category;
  }
}
