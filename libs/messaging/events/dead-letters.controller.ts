import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, IsBoolean, IsOptional, IsString } from 'class-validator';
import { ADMIN_ROLE, Roles } from '#libs/auth';
import { ApiProblems, PageQuery, ProblemException, ValidationProblem } from '#libs/http';
import { DeadLetters } from './dead-letters';
import { DeadLetterPageResponse, DeadLetterReplayResponse } from './dead-letters.responses';

class ReplayDeadLettersBody {
  @ApiPropertyOptional({ type: [String], description: 'dead letter ids (`<subscriber>/<job id>`)' })
  @IsOptional()
  @IsString({ each: true })
  @ArrayMaxSize(1000)
  ids?: string[];

  @ApiPropertyOptional({ description: 'replay every dead letter' })
  @IsOptional()
  @IsBoolean()
  all?: boolean;
}

/** Operators' view of integration events that failed for good, and their replay. */
@ApiTags('events')
@ApiBearerAuth()
@Roles(ADMIN_ROLE)
@ApiProblems({ 403: ['forbidden'] })
@Controller('v1/admin/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLetters) {}

  @Get()
  @ApiOperation({ operationId: 'listDeadLetters', summary: 'List dead-lettered events, oldest failure first' })
  @ApiOkResponse({ type: DeadLetterPageResponse, description: 'A page of dead letters.' })
  async list(@Query() query: PageQuery): Promise<DeadLetterPageResponse> {
    const offset = query.cursor === undefined ? 0 : Number(query.cursor);
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new ValidationProblem([{ field: 'cursor', message: 'cursor is malformed' }]);
    const page = await this.deadLetters.list(query.limit, offset);
    const next = offset + page.items.length < page.total ? String(offset + page.items.length) : null;
    return { items: page.items, next, total: page.total };
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({ operationId: 'replayDeadLetters', summary: 'Queue dead letters again for their subscribers' })
  @ApiOkResponse({
    type: DeadLetterReplayResponse,
    description: 'Which ids were queued again and which were not found.',
  })
  async replay(@Body() body: ReplayDeadLettersBody): Promise<DeadLetterReplayResponse> {
    if (body.all === true) return this.deadLetters.replay('all');
    if (!body.ids || body.ids.length === 0) {
      throw new ProblemException('validation-error', 400, 'Request validation failed', 'give `ids` or `all: true`');
    }
    return this.deadLetters.replay(body.ids);
  }
}
