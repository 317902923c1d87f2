// The TechEmpower test types on NestJS (Fastify adapter) + pg, as a Nest app is written: a
// module, an injectable repository service holding the pool, a controller with @Get, @Query
// and @Header. Plain JavaScript with Reflect.decorate, because the TypeScript loader (esbuild)
// emits neither legacy parameter decorators nor `design:paramtypes`: the dependencies are
// declared with explicit @Inject tokens, as Nest documents for that case.
import 'reflect-metadata';
import { Controller, Get, Header, Inject, Injectable, Module, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import pg from 'pg';
import { BASE_URL, POOL_SIZE, SCHEMA } from './setup.js';
import {
  HELLO,
  HTML,
  queryCount,
  randomId,
  randomNumber,
  renderFortunes,
  serve,
  withExtraFortune,
} from './shared.js';

const PG_POOL = 'PG_POOL';

/** Decorates a class as TypeScript's emitted code does (`__decorate`, `__param`). */
function decorateClass(decorators, target) {
  return Reflect.decorate(decorators, target);
}

/** Decorates a method, as `__decorate([...], proto, key, descriptor)`. */
function decorateMethod(target, key, decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, key);
  Object.defineProperty(
    target.prototype,
    key,
    Reflect.decorate(decorators, target.prototype, key, descriptor),
  );
}

/** A parameter decorator at `index`, as `__param(index, decorator)`. */
const param = (index, decorator) => (target, key) => decorator(target, key, index);

let WorldRepository = class WorldRepository {
  /** @param {pg.Pool} pool */
  constructor(pool) {
    this.pool = pool;
  }

  /** @param {number} id */
  async find(id) {
    const { rows } = await this.pool.query(
      'select id, random_number as "randomNumber" from world where id = $1',
      [id],
    );
    return rows[0];
  }

  /** @param {number} count */
  findRandom(count) {
    const reads = [];
    for (let i = 0; i < count; i += 1) reads.push(this.find(randomId()));
    return Promise.all(reads);
  }

  /** @param {{ id: number, randomNumber: number }[]} worlds */
  async save(worlds) {
    await Promise.all(
      worlds.map((w) =>
        this.pool.query('update world set random_number = $2 where id = $1', [w.id, w.randomNumber]),
      ),
    );
  }

  async fortunes() {
    const { rows } = await this.pool.query('select id, message from fortune');
    return rows;
  }
};
WorldRepository = decorateClass([Injectable(), param(0, Inject(PG_POOL))], WorldRepository);

let BenchController = class BenchController {
  /** @param {WorldRepository} worlds */
  constructor(worlds) {
    this.worlds = worlds;
  }

  json() {
    return { message: HELLO };
  }

  plaintext() {
    return HELLO;
  }

  db() {
    return this.worlds.find(randomId());
  }

  /** @param {string | undefined} queries */
  queries(queries) {
    return this.worlds.findRandom(queryCount(queries));
  }

  async fortunes() {
    return renderFortunes(withExtraFortune(await this.worlds.fortunes()));
  }

  /** @param {string | undefined} queries */
  async updates(queries) {
    const worlds = await this.worlds.findRandom(queryCount(queries));
    for (const w of worlds) w.randomNumber = randomNumber();
    await this.worlds.save(worlds);
    return worlds;
  }
};
const server = Header('Server', 'NestJS');
decorateMethod(BenchController, 'json', [Get('json'), server]);
decorateMethod(BenchController, 'plaintext', [
  Get('plaintext'),
  server,
  Header('Content-Type', 'text/plain'),
]);
decorateMethod(BenchController, 'db', [Get('db'), server]);
decorateMethod(BenchController, 'queries', [Get('queries'), server, param(0, Query('queries'))]);
decorateMethod(BenchController, 'fortunes', [Get('fortunes'), server, Header('Content-Type', HTML)]);
decorateMethod(BenchController, 'updates', [Get('updates'), server, param(0, Query('queries'))]);
BenchController = decorateClass([Controller(), param(0, Inject(WorldRepository))], BenchController);

const pool = new pg.Pool({ connectionString: BASE_URL, max: POOL_SIZE, options: `-c search_path=${SCHEMA}` });

let AppModule = class AppModule {};
AppModule = decorateClass(
  [
    Module({
      controllers: [BenchController],
      providers: [WorldRepository, { provide: PG_POOL, useValue: pool }],
    }),
  ],
  AppModule,
);

await serve('nestjs', async (port) => {
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
  await app.listen(port, '127.0.0.1');
  return {
    port: app.getHttpServer().address().port,
    stop: async () => {
      await app.close();
      await pool.end();
    },
  };
});
