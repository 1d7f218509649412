import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Matches } from 'class-validator';

// A type 2 TokenRequest is 259 bytes: 346 base64url characters (padding optional).
const TOKEN_REQUEST_BASE64URL = /^[A-Za-z0-9_-]{346}={0,2}$/;

export class IssueTokensDto {
  @ApiProperty({
    type: [String],
    description: 'base64url TokenRequests (RFC 9578 §6.1, token type 2), 1–16 of them',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16, { message: 'at most 16 token requests at a time' })
  @IsString({ each: true })
  @Matches(TOKEN_REQUEST_BASE64URL, {
    each: true,
    message: 'each token request must be a base64url type 2 TokenRequest (259 bytes)',
  })
  tokenRequests!: string[];
}

export class IssueTokensResponse {
  @ApiProperty({ type: [String], description: 'base64url TokenResponses, in the order of the requests' })
  tokenResponses!: string[];
}
