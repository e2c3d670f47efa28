import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { ReadCache } from '#libs/cache';
import { CATEGORY_LISTS } from '../queries/get-product.handler';
import { CatalogError } from '../../domain/catalog-errors';
import { CategoryRecord } from '../../infrastructure/category.record';

export interface CategoryView {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly parentId: string | null;
}

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
    private readonly dataSource: DataSource,
    private readonly cache: ReadCache,
  ) {}

  async execute(command: CreateCategory): Promise<CategoryView> {
    const categories = this.dataSource.getRepository(CategoryRecord);
    const parent = command.parentId ? await categories.findOneBy({ id: command.parentId }) : null;
    if (command.parentId && !parent)
      throw new CatalogError('unknown-category', `parent category ${command.parentId} does not exist`);
    const id = randomUUID();
    try {
      await categories.insert({
        id,
        name: command.name,
        slug: command.slug,
        parentId: parent?.id ?? null,
        path: `${parent?.path ?? '/'}${id}/`,
      });
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new CatalogError('slug-taken', `a category with slug "${command.slug}" already exists`);
      }
      throw error;
    }
    await this.cache.invalidate([CATEGORY_LISTS]);
    return { id, name: command.name, slug: command.slug, parentId: parent?.id ?? null };
  }
}
