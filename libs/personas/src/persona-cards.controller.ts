import {
  Body,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Res,
  StreamableFile,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser, CurrentUser, Public, Roles } from '@app/auth';
import type { Response } from 'express';
import type {} from 'multer';
import { MAX_PNG_BYTES } from './cards';
import { ExportPersonaQuery, ImportPersonaQuery } from './dto/import-persona.query';
import { PersonaResponse } from './dto/persona.response';
import { ImportResult, PersonaCardsService } from './persona-cards.service';

@ApiTags('personas')
@ApiBearerAuth()
@Controller('v1/personas')
export class PersonaCardsController {
  constructor(private readonly cards: PersonaCardsService) {}

  @Roles('creator')
  @Post('import')
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: MAX_PNG_BYTES, files: 1, fields: 20 } }))
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    description:
      'A Character Card V1/V2/V3 as JSON, or multipart with a PNG (chara / ccv3 chunk) or JSON card in "file"',
    schema: {
      oneOf: [
        { type: 'object' },
        { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
      ],
    },
  })
  @ApiCreatedResponse({
    type: PersonaResponse,
    description: 'The new persona, plus what was read (`imported`)',
  })
  import(
    @CurrentUser() user: AuthUser,
    @Query() query: ImportPersonaQuery,
    @Body() body: unknown,
    @UploadedFile() file: Express.Multer.File | undefined,
  ): Promise<ImportResult> {
    return this.cards.import(user, { body, file: file?.buffer }, query);
  }

  @Public()
  @Get(':id/export')
  @ApiProduces('application/json', 'image/png')
  @ApiOkResponse({ description: 'A Character Card V2 or V3 JSON file, or a PNG card carrying both' })
  async export(
    @CurrentUser() user: AuthUser | undefined,
    @Param('id') id: string,
    @Query() query: ExportPersonaQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const exported = await this.cards.export(user, id, query.format);
    response.setHeader('Content-Disposition', `attachment; filename="${exported.filename}"`);
    // Sent as rendered (and cached) bytes: JSON formats too, so a cached export is not serialised again.
    return new StreamableFile(exported.bytes, { type: exported.contentType, length: exported.bytes.length });
  }
}
