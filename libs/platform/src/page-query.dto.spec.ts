import { IsOptional, IsString } from 'class-validator';
import { DEFAULT_PAGE_SIZE, PageQueryDto } from './page-query.dto';
import { createValidationPipe } from './validation';

class FilteredQuery extends PageQueryDto {
  @IsOptional() @IsString()
  status?: string;
}

describe('PageQueryDto', () => {
  const pipe = createValidationPipe();
  const parse = (query: object, metatype: new () => PageQueryDto = PageQueryDto) => pipe.transform(query, { type: 'query', metatype }) as Promise<PageQueryDto>;

  it('gives every list, its subclasses included, API.md’s page of 20 when no limit is asked', async () => {
    expect(DEFAULT_PAGE_SIZE).toBe(20);
    expect(await parse({})).toMatchObject({ limit: 20 });
    expect(await parse({ status: 'failed' }, FilteredQuery)).toMatchObject({ limit: 20, status: 'failed' });
  });

  it('takes a limit of 1 to 100 written in digits, and nothing else', async () => {
    expect(await parse({ limit: '1', cursor: 'abc' })).toMatchObject({ limit: 1, cursor: 'abc' });
    expect(await parse({ limit: '100' })).toMatchObject({ limit: 100 });
    for (const limit of ['', '0', '101', '2.5', '1e1', 'ten']) await expect(parse({ limit })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
