import './sdk-quiet';
import { mkdirSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { DefaultConfig, loadConfig, type Config } from 'cognito-local/lib/server/config';
import { Router } from 'cognito-local/lib/server/Router';
import { withAwsRevocation } from './cognito-revocation';
import { createServer } from 'cognito-local/lib/server/server';
import { DateClock, LambdaService, MessagesService, TriggersService } from 'cognito-local/lib/services';
import { CognitoServiceFactoryImpl } from 'cognito-local/lib/services/cognitoService';
import { CryptoService } from 'cognito-local/lib/services/crypto';
import { StormDBDataStoreFactory } from 'cognito-local/lib/services/dataStore/stormDb';
import { ConsoleMessageSender } from 'cognito-local/lib/services/messageDelivery/consoleMessageSender';
import { MessageDeliveryService } from 'cognito-local/lib/services/messageDelivery/messageDelivery';
import type { MessageSender } from 'cognito-local/lib/services/messageDelivery/messageSender';
import { MailboxMailer } from '../functions/users/mailer.mailbox';
import { otp } from 'cognito-local/lib/services/otp';
import { JwtTokenGenerator } from 'cognito-local/lib/services/tokenGenerator';
import { UserPoolServiceFactoryImpl } from 'cognito-local/lib/services/userPoolService';

/**
 * cognito-local, in-process. Its `createDefaultServer` keeps its state in `./.cognito` of the working directory and
 * derives the token issuer from the PORT/HOST environment at import time; this module wires the same services with
 * an explicit state directory and an issuer that names the loopback address and the port actually bound.
 */

export interface CognitoLocalOptions {
  /**
   * Port on loopback. Tokens name it in their issuer, so a platform that keeps data across restarts needs a fixed one.
   * @default 9229
   */
  readonly port?: number;
  /** Directory of its state (user pools, clients, users, config); created when missing. */
  readonly stateDir: string;
  /**
   * Level of cognito-local's own log lines (pino levels).
   * @default 'error'
   */
  readonly logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /**
   * The local mailbox (functions/users/mailer.mailbox.ts): the codes a pool mails (a forgotten password's) go there,
   * as the platform's own mail does. @default its log, at info level
   */
  readonly mailboxDir?: string;
}

export interface CognitoLocal {
  /** `http://127.0.0.1:<port>`: the SDK endpoint and the prefix of every issuer. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export const DEFAULT_COGNITO_PORT = 9229;
const HOST = '127.0.0.1';

/** Loads a package the way cognito-local itself resolves it (its logger and its AWS SDK v2). */
const cognitoLocalRequire = createRequire(require.resolve('cognito-local/package.json'));

type PinoLogger = Parameters<typeof createServer>[1];

/** Starts cognito-local on loopback and resolves once it listens. */
export async function startCognitoLocal(options: CognitoLocalOptions): Promise<CognitoLocal> {
  const stateDir = resolve(options.stateDir);
  const dataDir = join(stateDir, 'db');
  mkdirSync(dataDir, { recursive: true });
  const pino = cognitoLocalRequire('pino') as (options: { level: string }) => PinoLogger;
  const logger = pino({ level: options.logLevel ?? 'error' });
  const ctx = { logger };

  // A config.json in the state directory may still override defaults, as with the packaged server.
  const loaded = await loadConfig(ctx, new StormDBDataStoreFactory(stateDir));
  // The issuer domain is completed once the port is bound (port 0 picks a free one).
  const tokenConfig = { ...loaded.TokenConfig, IssuerDomain: `http://${HOST}:${options.port ?? DEFAULT_COGNITO_PORT}` };
  const config: Config = {
    ...loaded,
    TokenConfig: tokenConfig,
    ServerConfig: { ...DefaultConfig.ServerConfig, port: options.port ?? DEFAULT_COGNITO_PORT, hostname: HOST, https: false },
  };

  const clock = new DateClock();
  const dataStoreFactory = new StormDBDataStoreFactory(dataDir);
  const cognito = await new CognitoServiceFactoryImpl(dataDir, dataStoreFactory, new UserPoolServiceFactoryImpl(clock, dataStoreFactory)).create(
    ctx,
    config.UserPoolDefaults,
  );
  const { Lambda } = cognitoLocalRequire('aws-sdk') as typeof import('aws-sdk');
  const triggers = new TriggersService(
    clock,
    cognito,
    new LambdaService(config.TriggerFunctions, new Lambda(config.LambdaClient)),
    new CryptoService(config.KMSConfig),
  );
  const services = {
    clock,
    cognito,
    config,
    messages: new MessagesService(triggers, new MessageDeliveryService(options.mailboxDir ? mailboxSender(options.mailboxDir) : new ConsoleMessageSender())),
    otp,
    tokenGenerator: new JwtTokenGenerator(clock, triggers, tokenConfig),
    triggers,
  };
  const server = (await createServer(withAwsRevocation(Router(services), services), logger, config.ServerConfig, services).start()) as HttpServer;
  const { port } = server.address() as AddressInfo;
  tokenConfig.IssuerDomain = `http://${HOST}:${port}`;

  return {
    endpoint: `http://${HOST}:${port}`,
    port,
    stop: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections();
      }),
  };
}

/** The sender of the pools' mail (AWS mails the code of a forgotten password): a mail in the local mailbox each. */
function mailboxSender(dir: string): MessageSender {
  const mailer = new MailboxMailer(dir, 'no-reply@verificationemail.com');
  const send: MessageSender['sendEmail'] = async (_ctx, _user, destination, message) => {
    const code = message.__code ?? '';
    await mailer.send({
      to: destination,
      subject: message.emailSubject ?? 'Your verification code',
      text: message.emailMessage ?? `Your verification code is ${code}`,
      data: { kind: 'pool-code', code },
    });
  };
  return { sendEmail: send, sendSms: send };
}
