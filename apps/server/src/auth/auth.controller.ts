import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { magicLinkRequestSchema, meSchema, userSchema, verifyRequestSchema } from '@visapi/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { Access, CurrentPrincipal, Public } from '../platform/http/access.decorator';
import type { Principal } from '../platform/http/principal';
import { AuthService } from './auth.service';
import { MagicLinksService } from './magic-links.service';

class MagicLinkDto extends createZodDto(magicLinkRequestSchema) {}
class VerifyDto extends createZodDto(verifyRequestSchema) {}
class UserDto extends createZodDto(userSchema) {}
// A union has no class form: the DTO is the generated class itself.
const MeDto = createZodDto(meSchema);
Object.defineProperty(MeDto, 'name', { value: 'MeDto' });

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly magicLinks: MagicLinksService,
    private readonly auth: AuthService,
  ) {}

  @Post('magic-link')
  @HttpCode(202)
  @Public({ ipRateLimit: 'signIn' })
  @ApiOperation({
    summary: 'Ask for a sign-in link',
    description: 'Always 202, at once: only addresses of an allowed domain get a mail (sent in the background), and neither the answer nor its timing says which.',
  })
  @ApiAcceptedResponse({ description: 'If the address may sign in, a link is on its way.' })
  magicLink(@Body() body: MagicLinkDto, @Req() request: FastifyRequest) {
    this.magicLinks.request(body.email, request.ip);
    return { status: 'accepted' };
  }

  @Post('verify')
  @HttpCode(200)
  @Public({ ipRateLimit: 'signIn' })
  @ApiOperation({ summary: 'Sign in with a link’s token', description: 'Uses the token up, sets the session cookie and returns the user.' })
  @ApiOkResponse({ type: UserDto })
  @ApiUnauthorizedResponse({ description: 'The token is used, expired or unknown.' })
  async verify(@Body() body: VerifyDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { user, cookie } = await this.magicLinks.verify(body.token, request);
    reply.header('set-cookie', cookie);
    return user;
  }

  @Get('me')
  @Access({ scope: 'any', role: 'viewer' })
  @ApiOperation({
    summary: 'Who is calling',
    description: 'The signed-in user; for an API key, the key itself (id, prefix, scopes), answered from memory.',
  })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() principal: Principal) {
    return this.auth.me(principal);
  }

  @Post('logout')
  @HttpCode(204)
  @Access({})
  @ApiOperation({ summary: 'Sign out', description: 'Ends the session at once.' })
  @ApiNoContentResponse({ description: 'Signed out.' })
  async logout(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('set-cookie', await this.auth.signOut(principal));
  }
}
