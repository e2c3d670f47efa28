import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CategoryStore, StoredCategory } from '../application/ports/category-store';
import { CategoryRecord } from './category.record';
import { isUniqueViolation } from './postgres-product-store';

@Injectable()
export class PostgresCategoryStore implements CategoryStore {
  constructor(private readonly dataSource: DataSource) {}

  byId(id: string, on: DataSource | EntityManager = this.dataSource): Promise<StoredCategory | null> {
    return on.getRepository(CategoryRecord).findOneBy({ id });
  }

  all(on: DataSource): Promise<StoredCategory[]> {
    return on.getRepository(CategoryRecord).find({ order: { path: 'ASC' } });
  }

  async insert(category: StoredCategory): Promise<boolean> {
    try {
      await this.dataSource.getRepository(CategoryRecord).insert(category);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
}
