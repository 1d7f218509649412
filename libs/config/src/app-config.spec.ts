import { AppConfig, ConfigError, loadEnv } from './app-config';

describe('AppConfig', () => {
  it('works with no settings at all, so `npm start` needs no configuration', () => {
    const config = new AppConfig(loadEnv({}));
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('postgresql://postgres@127.0.0.1:5432/twinproof');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.signupOpen).toBe(true);
    expect(config.publicUrl).toBe('http://localhost:3000');
  });

  it('closes open sign-up in production unless it is asked for', () => {
    expect(new AppConfig(loadEnv({ NODE_ENV: 'production' })).signupOpen).toBe(false);
    expect(new AppConfig(loadEnv({ NODE_ENV: 'production', SIGNUP_OPEN: 'true' })).signupOpen).toBe(true);
  });

  it('names every bad setting in one readable error', () => {
    expect(() => loadEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SIGNUP_OPEN: 'maybe' })).toThrow(
      ConfigError,
    );
    try {
      loadEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('DATABASE_URL: must be a postgresql:// URL');
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadEnv({ PORT: '' }).PORT).toBe(3000);
  });
});

describe('CORS_ORIGINS', () => {
  it('is open in development and closed in production unless set', () => {
    expect(new AppConfig(loadEnv({})).corsOrigins).toBe(true);
    expect(new AppConfig(loadEnv({ NODE_ENV: 'production' })).corsOrigins).toBe(false);
    expect(
      new AppConfig(
        loadEnv({ NODE_ENV: 'production', CORS_ORIGINS: 'https://a.example,http://b.example:8080' }),
      ).corsOrigins,
    ).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(new AppConfig(loadEnv({ NODE_ENV: 'production', CORS_ORIGINS: '*' })).corsOrigins).toBe(true);
  });

  it('refuses what is not an origin', () => {
    for (const bad of ['https://a.example/', 'a.example', 'https://a.example/path', 'https://a.example, *']) {
      expect(() => loadEnv({ CORS_ORIGINS: bad })).toThrow('CORS_ORIGINS');
    }
  });
});
