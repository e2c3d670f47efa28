import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { StoredCategory } from '../application/ports/category-store';

@Entity({ name: 'categories' })
export class CategoryRecord implements StoredCategory {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { unique: true })
  slug!: string;

  @Column('uuid', { name: 'parent_id', nullable: true })
  parentId!: string | null;

  /** `/<root id>/.../<own id>/`: descendants of a category share its path as a prefix. */
  @Column('text')
  path!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
