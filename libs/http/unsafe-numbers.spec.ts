import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, Min, validate, ValidateNested } from 'class-validator';
import { IsInt32, IsIntegerBetween, IsSafeMoneyAmount } from './bounded-integers';
import { unsafeNumbers } from './unsafe-numbers';

class PriceFilter {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) maxPrice?: number;
}

class Money {
  @IsSafeMoneyAmount() amount!: number;
}

class Product {
  @ValidateNested() @Type(() => Money) price!: Money;
  @IsOptional() @IsObject() attributes?: Record<string, unknown>;
}

class Bounded {
  @IsOptional() @IsInt32() quantity?: number;
  @IsOptional() @IsIntegerBetween(1, 10) rating?: number;
}

describe('unsafeNumbers', () => {
  it('finds a query number past 2^53 - 1 that @IsInt() alone lets through, named like a validation error', async () => {
    const filter = plainToInstance(PriceFilter, { maxPrice: '1e23' });
    expect(await validate(filter)).toEqual([]);
    expect(unsafeNumbers(filter, 'query')).toEqual([
      { field: 'maxPrice', message: 'maxPrice must not be greater than 9007199254740991' },
    ]);
    expect(unsafeNumbers(plainToInstance(PriceFilter, { maxPrice: '9007199254740991' }), 'query')).toEqual([]);
  });

  it('walks the nested DTOs of a body, but not its free-form objects', () => {
    const product = plainToInstance(Product, { price: { amount: -1e23 }, attributes: { mole: 6.02e23 } });
    expect(unsafeNumbers(product, 'body')).toEqual([
      { field: 'price.amount', message: 'amount must not be less than -9007199254740991' },
    ]);
    expect(
      unsafeNumbers(plainToInstance(Product, { price: { amount: 1 }, attributes: { mole: 6.02e23 } }), 'body'),
    ).toEqual([]);
  });

  it('checks a primitive parameter by its name, and lets safe values, NaN and non-numbers be', () => {
    expect(unsafeNumbers(1e300, 'limit')).toEqual([
      { field: 'limit', message: 'limit must not be greater than 9007199254740991' },
    ]);
    expect(unsafeNumbers(-Number.MAX_SAFE_INTEGER, 'x')).toEqual([]);
    expect(unsafeNumbers(Number.NaN, 'x')).toEqual([]);
    expect(unsafeNumbers('1e300', 'x')).toEqual([]);
    expect(unsafeNumbers(Buffer.alloc(4), 'x')).toEqual([]);
  });
});

describe('bounded integer decorators', () => {
  const messages = async (value: object) =>
    (await validate(value)).flatMap((error) => Object.values(error.constraints ?? {}));

  it('bound a column to its range, integers only', async () => {
    expect(await messages(plainToInstance(Bounded, { quantity: 2_147_483_647, rating: 10 }))).toEqual([]);
    expect(await messages(plainToInstance(Bounded, { quantity: 2_147_483_648 }))).toEqual([
      'quantity must be an integer from -2147483648 to 2147483647',
    ]);
    expect(await messages(plainToInstance(Bounded, { rating: 1.5 }))).toEqual([
      'rating must be an integer from 1 to 10',
    ]);
    expect(await messages(plainToInstance(Bounded, { rating: '5' }))).toEqual([
      'rating must be an integer from 1 to 10',
    ]);
    expect(await messages(plainToInstance(Money, { amount: 1e23 }))).toEqual([
      'amount must be an integer from 0 to 9007199254740991',
    ]);
    expect(await messages(plainToInstance(Money, { amount: 0 }))).toEqual([]);
  });
});
