import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { CatalogError } from '../../domain/catalog-errors';
import { ProductRecord } from '../../infrastructure/product.record';
import { productView, type ProductView } from '../product-view';

export class GetProduct extends Query<ProductView> {
  constructor(
    readonly productId: string,
    /** Admins see drafts; the public sees what is or was sold. */
    readonly includeDrafts: boolean,
  ) {
    super();
  }
}

@QueryHandler(GetProduct)
export class GetProductHandler implements IQueryHandler<GetProduct> {
  constructor(private readonly dataSource: DataSource) {}

  async execute(query: GetProduct): Promise<ProductView> {
    const record = await this.dataSource.getRepository(ProductRecord).findOneBy({ id: query.productId });
    if (!record || (record.status === 'draft' && !query.includeDrafts)) {
      throw new CatalogError('product-not-found', `product ${query.productId} does not exist`);
    }
    return productView(record);
  }
}
