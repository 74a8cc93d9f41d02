"""`init` on a NestJS API whose environment is checked at start by class-validator classes (NestJS's
documented custom validate function; brocoders/nestjs-boilerplate's `validateConfig(process.env, ...)` in
each module's config file): the variables the app stops without are read from the classes
(docs/real-projects.md, twenty-second round)."""

from __future__ import annotations

import json

from echotune_ci.project.init import app_setup
from echotune_ci.project.nodenotes import required_env
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

# NestJS's documented shape, with a default, an optional and a conditional variable. Compiled by tsc 5.9 and
# run with class-validator 0.15 / class-transformer 0.5, validate({}) failed NODE_ENV, PORT, DATABASE_HOST,
# JWT_SECRET and REDIS_URL: PORT is set by `run`, and DATABASE_HOST only when DATABASE_URL is unset (its
# @ValidateIf), which the database's own checks ask for.
ENV_VALIDATION = """import { plainToInstance } from 'class-transformer';
import { IsEnum, IsNumber, IsOptional, IsString, Max, Min, ValidateIf, validateSync } from 'class-validator';

enum Environment {
  Development = 'development',
  Production = 'production',
}

class EnvironmentVariables {
  @IsEnum(Environment)
  NODE_ENV: Environment;

  @IsNumber()
  @Min(0)
  @Max(65535)
  PORT: number;

  @IsNumber()
  WORKERS: number = 2;

  @IsString()
  @IsOptional()
  SENTRY_DSN?: string;

  @ValidateIf((env) => !env.DATABASE_URL)
  @IsString()
  DATABASE_HOST: string;

  @IsString()
  // JWT_EXPIRES_IN is read elsewhere
  JWT_SECRET!: string;

  @IsString({
    message: 'REDIS_URL (a redis:// URL) is required',
  })
  REDIS_URL: string;
}

export function validate(config: Record<string, unknown>) {
  const validatedConfig = plainToInstance(EnvironmentVariables, config, { enableImplicitConversion: true });
  const errors = validateSync(validatedConfig, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new Error(errors.toString());
  }
  return validatedConfig;
}
"""

# brocoders/nestjs-boilerplate at 9620f15: the validating helper in a file of its own, and a module's config
# that calls it on process.env. Its built app, started with env-example-relational's values less one,
# stopped on "property FILE_DRIVER has failed the following constraints: isEnum" (and likewise for each
# MAIL_* here), and started with MAIL_PORT unset.
VALIDATE_CONFIG = """import { plainToClass } from 'class-transformer';
import { validateSync } from 'class-validator';

function validateConfig(config, envVariablesClass) {
  const validatedConfig = plainToClass(envVariablesClass, config, { enableImplicitConversion: true });
  const errors = validateSync(validatedConfig, {
    skipMissingProperties: false,
  });
  if (errors.length > 0) {
    throw new Error(errors.toString());
  }
  return validatedConfig;
}
export default validateConfig;
"""
MAIL_CONFIG = """import { registerAs } from '@nestjs/config';
import { IsString, IsInt, Min, Max, IsOptional, IsBoolean, IsEmail } from 'class-validator';
import validateConfig from '../../utils/validate-config';

class EnvironmentVariablesValidator {
  @IsInt()
  @Min(0)
  @Max(65535)
  @IsOptional()
  MAIL_PORT: number;

  @IsString()
  MAIL_HOST: string;

  @IsEmail()
  MAIL_DEFAULT_EMAIL: string;

  @IsBoolean()
  MAIL_SECURE: boolean;
}

export default registerAs('mail', () => {
  validateConfig(process.env, EnvironmentVariablesValidator);
  return {
    port: process.env.MAIL_PORT ? parseInt(process.env.MAIL_PORT, 10) : 587,
    host: process.env.MAIL_HOST,
    defaultEmail: process.env.MAIL_DEFAULT_EMAIL,
    secure: process.env.MAIL_SECURE === 'true',
  };
});
"""
FILE_CONFIG = """import { registerAs } from '@nestjs/config';
import { IsEnum, IsString, ValidateIf } from 'class-validator';
import validateConfig from '../../utils/validate-config';
import { FileDriver } from './file-config.type';

class EnvironmentVariablesValidator {
  @IsEnum(FileDriver)
  FILE_DRIVER: FileDriver;

  @ValidateIf((envValues) =>
    [FileDriver.S3, FileDriver.S3_PRESIGNED].includes(envValues.FILE_DRIVER),
  )
  @IsString()
  ACCESS_KEY_ID: string;
}

export default registerAs('file', () => {
  validateConfig(process.env, EnvironmentVariablesValidator);
  return { driver: process.env.FILE_DRIVER ?? 'local', accessKeyId: process.env.ACCESS_KEY_ID };
});
"""
# a request body: class-validator on lower-case properties is no environment
DTO = """import { IsEmail, IsNotEmpty } from 'class-validator';
export class AuthEmailLoginDto {
  @IsEmail()
  email: string;

  @IsNotEmpty()
  PASSWORD: string;
}
export const x = process.env.X;
"""


def test_an_environment_class_without_isoptional_names_the_variables_the_app_stops_without(tmp_path):
    write(tmp_path, {"src/env.validation.ts": ENV_VALIDATION})
    found = required_env([tmp_path / "src/env.validation.ts"], tmp_path)
    assert [r.name for r in found] == ["NODE_ENV", "JWT_SECRET", "REDIS_URL"]
    assert found[0].where == "src/env.validation.ts:11"
    assert found[1].where == "src/env.validation.ts:31"
    assert "class-validator" in found[0].how and "@IsOptional()" in found[0].how


def test_a_config_validated_by_a_helper_of_its_own_names_each_modules_variables(tmp_path):
    files = {"src/utils/validate-config.ts": VALIDATE_CONFIG, "src/mail/config/mail.config.ts": MAIL_CONFIG,
             "src/files/config/file.config.ts": FILE_CONFIG, "src/auth/dto/auth-email-login.dto.ts": DTO}
    write(tmp_path, files)
    found = required_env([tmp_path / name for name in files], tmp_path)
    assert [r.name for r in found] == ["MAIL_HOST", "MAIL_DEFAULT_EMAIL", "MAIL_SECURE", "FILE_DRIVER"]
    assert found[3].where == "src/files/config/file.config.ts:8"


def test_skip_missing_properties_lets_every_variable_be_unset(tmp_path):
    # validateSync(..., { skipMissingProperties: true }) validates only what is given: the app starts
    skipping = VALIDATE_CONFIG.replace("skipMissingProperties: false", "skipMissingProperties: true")
    files = {"src/utils/validate-config.ts": skipping, "src/mail/config/mail.config.ts": MAIL_CONFIG}
    write(tmp_path, files)
    assert required_env([tmp_path / name for name in files], tmp_path) == []


def test_init_asks_for_the_nest_apps_required_variables_and_sets_a_placeholder_for_its_secret(tmp_path):
    write(tmp_path, {
        "package.json": json.dumps({
            "name": "api", "scripts": {"build": "nest build", "start:prod": "node dist/main"},
            "dependencies": {"@nestjs/core": "^11.1.0", "@nestjs/common": "^11.1.0",
                             "@nestjs/config": "^4.0.0", "@nestjs/platform-express": "^11.1.0",
                             "class-validator": "^0.15.1", "class-transformer": "^0.5.1"},
            "devDependencies": {"@nestjs/cli": "^11.0.0", "typescript": "^5.9.0"}}),
        "package-lock.json": "{}",
        "nest-cli.json": "{}",
        "src/main.ts": ("import { NestFactory } from '@nestjs/core';\n"
                        "import { AppModule } from './app.module';\n"
                        "async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n"
                        "  await app.listen(process.env.PORT ?? 3000);\n}\nbootstrap();\n"),
        "src/app.module.ts": ("import { Module } from '@nestjs/common';\nimport { ConfigModule } from "
                              "'@nestjs/config';\nimport { validate } from './env.validation';\n"
                              "@Module({ imports: [ConfigModule.forRoot({ validate })] })\n"
                              "export class AppModule {}\n"),
        "src/env.validation.ts": ENV_VALIDATION,
    })
    app = app_setup(tmp_path)
    assert app.env.get("JWT_SECRET", "").startswith("echotune-ci")
    checks = app.all_checks()
    assert any(c.startswith("src/env.validation.ts:36 requires REDIS_URL (a class-validator property without "
                            "@IsOptional(), no default): the app stops without it") for c in checks), checks
    assert not any("WORKERS" in c or "SENTRY_DSN" in c for c in checks)
