import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser, CurrentUser, Public, Roles } from '@app/auth';
import { CreatePersonaDto } from './dto/create-persona.dto';
import { PersonaPageResponse, PersonaResponse, PersonaVersionResponse } from './dto/persona.response';
import { SearchPersonasQuery } from './dto/search-personas.query';
import { UpdatePersonaDto } from './dto/update-persona.dto';
import { PersonaSummary, PersonaView } from './persona.view';
import { PersonasService, VersionSummary } from './personas.service';
import { VersionNumberPipe } from './version-number.pipe';

@ApiTags('personas')
@ApiBearerAuth()
@Controller('v1/personas')
export class PersonasController {
  constructor(private readonly personas: PersonasService) {}

  @Roles('creator')
  @Post()
  @ApiCreatedResponse({ type: PersonaResponse })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreatePersonaDto): Promise<PersonaView> {
    return this.personas.create(user, dto);
  }

  @Public()
  @Get()
  @ApiOkResponse({
    type: PersonaPageResponse,
    description: 'Public personas, or the caller’s own with owner=me',
  })
  search(
    @CurrentUser() user: AuthUser | undefined,
    @Query() query: SearchPersonasQuery,
  ): Promise<{ data: PersonaSummary[]; nextCursor: string | null }> {
    return this.personas.search(user, query);
  }

  @Public()
  @Get(':idOrSlug')
  @ApiOkResponse({ type: PersonaResponse })
  get(@CurrentUser() user: AuthUser | undefined, @Param('idOrSlug') idOrSlug: string): Promise<PersonaView> {
    return this.personas.get(user, idOrSlug);
  }

  @Roles('creator')
  @Patch(':id')
  @ApiOkResponse({ type: PersonaResponse, description: 'The persona at its new version' })
  update(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() dto: UpdatePersonaDto,
  ): Promise<PersonaView> {
    return this.personas.update(user, id, dto);
  }

  @Roles('creator')
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async remove(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<void> {
    await this.personas.remove(user, id);
  }

  @Public()
  @Get(':id/versions')
  @ApiOkResponse({ type: [PersonaVersionResponse] })
  async versions(
    @CurrentUser() user: AuthUser | undefined,
    @Param('id') id: string,
  ): Promise<{ data: VersionSummary[] }> {
    return { data: await this.personas.versions(user, id) };
  }

  @Public()
  @Get(':id/versions/:version')
  @ApiOkResponse({ description: 'One version with its full content' })
  version(
    @CurrentUser() user: AuthUser | undefined,
    @Param('id') id: string,
    @Param('version', VersionNumberPipe) version: number,
  ): Promise<VersionSummary & { content: unknown }> {
    return this.personas.version(user, id, version);
  }
}
