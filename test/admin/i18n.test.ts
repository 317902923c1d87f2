import { getAuth } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extrasApp, LocaleUser, Title } from './extras-app.js';
import { cookieOf, PASSWORD, postForm } from './helpers.js';

describe('the admin in Spanish', () => {
  let client: TestClient<typeof extrasApp.routes>;
  let cookie: string;
  let userId: number;
  beforeAll(async () => {
    client = await createTestClient(extrasApp);
    const user = await getAuth(client.app).createUser(client.db!, {
      email: 'ana@example.com',
      password: PASSWORD,
      isStaff: true,
      isSuperuser: true,
    });
    userId = Number(user.id);
    const login = await postForm(client as never, '/admin/login', {
      username: 'ana@example.com',
      password: PASSWORD,
      next: '/admin/',
    });
    expect(login.status).toBe(303);
    cookie = cookieOf(login)!;
    await client.db!.create(Title, {
      name: 'Rayuela',
      copies: 12345,
      inPrint: true,
      publishedOn: '1963-06-28',
    } as never);
  });
  afterAll(() => client.close());

  const get = (url: string, language?: string) =>
    client.request({
      method: 'GET',
      url,
      headers: { cookie, accept: 'text/html', ...(language ? { 'accept-language': language } : {}) },
    });

  it('renders the list in Spanish for a Spanish Accept-Language, with numbers and dates in Spanish', async () => {
    const res = await get('/admin/title/', 'es-ES,es;q=0.9,en;q=0.5');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="es">');
    for (const text of [
      'Administración',
      'Cerrar sesión',
      'Cambiar contraseña',
      'Saltar al contenido',
      '>Inicio</a>',
      'Buscar',
      'Aplicar',
      '<option value="">Todos</option>',
      'Eliminar seleccionados',
      'Exportar CSV',
      '<td>Sí</td>',
    ])
      expect(res.text).toContain(text);
    // 12345 and 28 June 1963 as Spanish writes them.
    expect(res.text).toContain(`<td>${new Intl.NumberFormat('es').format(12345)}</td>`);
    expect(res.text).toContain(
      new Intl.DateTimeFormat('es', { dateStyle: 'medium', timeZone: 'UTC' }).format(
        new Date('1963-06-28T00:00:00Z'),
      ),
    );
    expect(res.headers.vary).toContain('Accept-Language');
    const english = await get('/admin/title/', 'en');
    expect(english.text).toContain('Log out');
    expect(english.text).toContain('<td>12,345</td>');
    expect(english.text).not.toContain('Cerrar sesión');
  });

  it('renders the forms and their errors in Spanish', async () => {
    const add = await get('/admin/title/add', 'es');
    expect(add.text).toContain('Guardar');
    expect(add.text).toContain('Añadir title');
    const index = await get('/admin/', 'es');
    expect(index.text).toContain('Administración del sitio');
    const token = /name="csrf_token" value="([^"]+)"/.exec(index.text)![1]!;
    const refused = await postForm(
      client as never,
      '/admin/title/add',
      { csrf_token: token, name: '', copies: 'many' },
      { cookie, 'accept-language': 'es' },
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Corrija los errores indicados abajo.');
    const password = await get('/admin/password_change', 'es');
    expect(password.text).toContain('Contraseña antigua');
    expect(password.text).toContain('Cambiar mi contraseña');
  });

  it('speaks the language of the user’s own setting before Accept-Language', async () => {
    await client.db!.update(LocaleUser, userId, { locale: 'es' } as never);
    try {
      const res = await get('/admin/title/', 'en-US,en;q=0.9');
      expect(res.text).toContain('<html lang="es">');
      expect(res.text).toContain('Cerrar sesión');
    } finally {
      await client.db!.update(LocaleUser, userId, { locale: '' } as never);
    }
    const back = await get('/admin/title/', 'en-US,en;q=0.9');
    expect(back.text).toContain('<html lang="en">');
  });

  it('shows the login page in the browser’s language', async () => {
    const res = await client.request({
      method: 'GET',
      url: '/admin/login',
      headers: { accept: 'text/html', 'accept-language': 'es' },
    });
    expect(res.text).toContain('Iniciar sesión');
    expect(res.text).toContain('Correo electrónico');
    expect(res.text).toContain('Contraseña');
  });
});
