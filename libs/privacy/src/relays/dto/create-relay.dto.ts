import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUrl, Length, MaxLength } from 'class-validator';

export class CreateRelayDto {
  @ApiProperty({ description: 'Where clients reach the relay, e.g. https://relay.example.org' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2_048)
  url!: string;

  @ApiProperty({ description: 'A name people recognise, shown next to the operator' })
  @IsString()
  @Length(1, 100)
  name!: string;
}
