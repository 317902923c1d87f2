import { BasaltError, defineErrorCodes, ERROR_CODES } from 'basalt';
import { describe, expect, it } from 'vitest';

describe('error catalogues', () => {
  it("gives a BasaltError the status and title of its code's catalogue", () => {
    const codes = defineErrorCodes({
      TEST_SHOP_OUT_OF_STOCK: { status: 409, title: 'Out of stock' },
    } as const);
    expect(codes.TEST_SHOP_OUT_OF_STOCK.status).toBe(409);
    const error = new BasaltError('TEST_SHOP_OUT_OF_STOCK', 'Only 2 copies left');
    expect(error).toMatchObject({
      status: 409,
      title: 'Out of stock',
      message: 'Only 2 copies left',
      expose: true,
    });
    expect(new BasaltError('TEST_SHOP_OUT_OF_STOCK').message).toBe('Out of stock');
    // Options still win over the catalogue.
    expect(new BasaltError('TEST_SHOP_OUT_OF_STOCK', 'x', { status: 410 }).status).toBe(410);
  });

  it('keeps core codes and unknown codes as before', () => {
    expect(new BasaltError('BASALT_HTTP_NOT_FOUND')).toMatchObject({
      status: 404,
      title: ERROR_CODES.BASALT_HTTP_NOT_FOUND.title,
    });
    expect(new BasaltError('TEST_NEVER_DEFINED')).toMatchObject({ status: 500, expose: false });
  });

  it('refuses to redefine a code with another meaning, and accepts the same definition again', () => {
    expect(() =>
      defineErrorCodes({ BASALT_HTTP_NOT_FOUND: { status: 410, title: 'Gone' } } as const),
    ).toThrow(/BASALT_HTTP_NOT_FOUND is already defined as 404/);
    expect(() =>
      defineErrorCodes({ BASALT_HTTP_NOT_FOUND: ERROR_CODES.BASALT_HTTP_NOT_FOUND } as const),
    ).not.toThrow();
  });
});
