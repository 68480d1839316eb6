import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBadGatewayResponse, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse, getSchemaPath } from '@nestjs/swagger';
import { createRefundSchema, problemSchema, refundPreviewSchema, refundRequestSchema, refundSchema, refundsPageSchema, refundsQuerySchema } from '@visapi/contracts';
import type { FastifyReply } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import type { Principal } from '../platform/http/principal';
import { RefundsService } from './refunds.service';

class RefundRequestDto extends createZodDto(refundRequestSchema) {}
class RefundPreviewDto extends createZodDto(refundPreviewSchema) {}
class CreateRefundDto extends createZodDto(createRefundSchema) {}
class RefundDto extends createZodDto(refundSchema) {}
class RefundsPageDto extends createZodDto(refundsPageSchema) {}
class RefundsQueryDto extends createZodDto(refundsQuerySchema) {}
/** RFC 9457 problem details with the refunds' extension members (`stripeCode`, `runbook`). */
class ProblemDto extends createZodDto(problemSchema) {}
const problemContent = { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } };

const REFUSED = 'Stripe refused (`/problems/provider-refused`): its message as `detail`, its code as `stripeCode` (`charge_already_refunded`, `amount_too_large`, `resource_missing`, …) and `runbook`, a link to what to do.';
const UNREACHABLE = 'Stripe unreachable, timing out or answering 429/5xx after retries (`/problems/bad-gateway`, with `runbook`). Submitting the same confirmation again is safe.';

@ApiTags('refunds')
@ApiExtraModels(ProblemDto)
@Controller('api/v1/refunds')
export class RefundsController {
  constructor(private readonly refunds: RefundsService) {}

  @Post('preview')
  @HttpCode(200)
  @Access({ scope: 'manage_refunds', role: 'operator' })
  @ApiOperation({
    summary: 'Preview a refund',
    description:
      'Looks the charge up at Stripe and answers what will happen (the charge, already refunded, this refund’s amount — without `amount`, the whole unrefunded rest — and the customer redacted) with a `confirmationToken` valid 10 minutes, bound to exactly these values and this caller. In sandbox (no STRIPE_API_KEY) nothing is looked up: `sandbox: true`, `charge: null`, the amount is required and the currency is `usd`.',
  })
  @ApiOkResponse({ type: RefundPreviewDto })
  @ApiUnprocessableEntityResponse({ description: REFUSED, content: problemContent })
  @ApiBadGatewayResponse({ description: UNREACHABLE, content: problemContent })
  preview(@Body() body: RefundRequestDto, @CurrentPrincipal() by: Principal) {
    return this.refunds.preview(body, by);
  }

  @Post()
  @Access({ scope: 'manage_refunds', role: 'operator' })
  @ApiOperation({
    summary: 'Make a previewed refund',
    description:
      'The previewed values and their `confirmationToken`. The refund is made at Stripe with an Idempotency-Key derived from the confirmation: `201` the first time; the same confirmation again (a double click, a retry, a second tab; also after the token expired) → `200` the same refund with `Idempotent-Replayed: true`. A token with other values, expired or forged → `422` `/problems/unprocessable`. In sandbox the refund is kept in the outbox (connector `stripe.refund`), status `sandbox`.',
  })
  @ApiCreatedResponse({ type: RefundDto, description: 'The refund was made (or, in sandbox, kept in the outbox).' })
  @ApiOkResponse({ type: RefundDto, description: 'This confirmation had already made the refund.', headers: { 'Idempotent-Replayed': { description: '`true`', schema: { type: 'string' } } } })
  @ApiUnprocessableEntityResponse({ description: `The token is invalid, expired or for other values; or ${REFUSED}`, content: problemContent })
  @ApiBadGatewayResponse({ description: UNREACHABLE, content: problemContent })
  async create(@Body() body: CreateRefundDto, @CurrentPrincipal() by: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { refund, replayed } = await this.refunds.create(body, by);
    if (replayed) void reply.code(200).header('idempotent-replayed', 'true');
    else void reply.code(201);
    return refund;
  }

  @Get()
  @Access({ scope: 'manage_refunds', role: 'operator' })
  @ApiOperation({ summary: 'Refunds made', description: 'Newest first, keyset-paginated (`limit`, `cursor`).' })
  @ApiOkResponse({ type: RefundsPageDto })
  list(@Query() query: RefundsQueryDto) {
    return this.refunds.list(query.limit, query.cursor);
  }
}
