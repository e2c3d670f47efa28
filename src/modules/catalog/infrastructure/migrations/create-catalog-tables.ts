import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCatalogTables1764400000000 implements MigrationInterface {
  name = 'CreateCatalogTables1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE categories (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        slug text NOT NULL UNIQUE,
        parent_id uuid REFERENCES categories (id),
        path text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE products (
        id uuid PRIMARY KEY,
        sku text NOT NULL UNIQUE,
        name text NOT NULL,
        description text NOT NULL,
        category_id uuid NOT NULL REFERENCES categories (id),
        category_path text NOT NULL,
        price_amount bigint NOT NULL CHECK (price_amount >= 0),
        currency char(3) NOT NULL,
        attributes jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
        version int NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', description), 'B')
        ) STORED
      )`);
    // Keyset pagination for each public sort order, over sellable products.
    await queryRunner.query(
      `CREATE INDEX products_newest ON products (created_at DESC, id DESC) WHERE status = 'active'`,
    );
    await queryRunner.query(`CREATE INDEX products_price ON products (price_amount, id) WHERE status = 'active'`);
    await queryRunner.query(
      `CREATE INDEX products_category_path ON products (category_path text_pattern_ops) WHERE status = 'active'`,
    );
    await queryRunner.query(`CREATE INDEX products_search ON products USING gin (search)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE products, categories`);
  }
}
