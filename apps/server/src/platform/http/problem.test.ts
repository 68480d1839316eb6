import { BadRequestException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { BUDGET_SPENT_DETAIL, RedisBudgetSpentError, RequestBudget } from '../redis/request-budget';
import { jsonPath, ProblemException, redisUnavailableFor, toProblem } from './problem';

describe('jsonPath', () => {
  it.each([
    [[], '$'],
    [['steps', 0, 'id'], '$.steps[0].id'],
    [['headers', 'x-api-key'], '$.headers["x-api-key"]'],
    [['שם'], '$["שם"]'],
  ])('%j → %s', (path, expected) => {
    expect(jsonPath(path)).toBe(expected);
  });
});

describe('toProblem', () => {
  it('keeps the kind, detail, field errors and headers of a ProblemException', () => {
    const p = toProblem(new ProblemException('tooManyRequests', 'slow down', undefined, { 'retry-after': '3' }), '/x');
    expect(p).toMatchObject({
      status: 429,
      headers: { 'retry-after': '3' },
      body: { type: '/problems/too-many-requests', title: 'Too many requests', status: 429, detail: 'slow down', instance: '/x' },
    });
  });

  it('maps Nest HTTP exceptions by status', () => {
    expect(toProblem(new NotFoundException('no such run')).body).toMatchObject({ type: '/problems/not-found', detail: 'no such run' });
    expect(toProblem(new ForbiddenException()).body.type).toBe('/problems/forbidden');
    expect(toProblem(new BadRequestException(['a', 'b'])).body.detail).toBe('a; b');
  });

  it('maps Fastify body errors by code', () => {
    const tooLarge = Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(toProblem(tooLarge).body.type).toBe('/problems/payload-too-large');
  });

  it('hides unexpected errors behind a generic 500', () => {
    const p = toProblem(new Error('connection string postgres://u:p@h'));
    expect(p.status).toBe(500);
    expect(p.unexpected).toBe(true);
    expect(JSON.stringify(p.body)).not.toContain('postgres://');
  });

  it('answers 503 when the database cannot be reached, without its message, as an expected refusal', () => {
    const p = toProblem(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }));
    expect([p.status, p.body.type, p.unexpected]).toEqual([503, '/problems/unavailable', false]);
    expect(JSON.stringify(p.body)).not.toContain('10.0.0.5');
  });
});

describe('redisUnavailableFor', () => {
  it('a spent budget says the request ran out of time; any other failure says the caller\'s detail; both 503 with Retry-After: 1', () => {
    let spent: unknown;
    try {
      RequestBudget.from(performance.now() - 1_000).nextCommandMs('x');
    } catch (error) {
      spent = error;
    }
    expect(spent).toBeInstanceOf(RedisBudgetSpentError);
    for (const [error, detail] of [
      [spent, BUDGET_SPENT_DETAIL],
      [new Error('Connection is closed.'), 'The queue is unavailable.'],
      [undefined, 'The queue is unavailable.'],
    ] as const) {
      const problem = redisUnavailableFor(error, 'The queue is unavailable.');
      expect([problem.kind, problem.message, problem.headers]).toEqual(['unavailable', detail, { 'retry-after': '1' }]);
    }
  });
});
