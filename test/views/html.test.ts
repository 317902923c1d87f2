import { BLOCKED_URL, escapeHtml, Fragment, Html, isHtml, jsonScript, trustedHtml } from 'basalt/views';
import { jsx } from 'basalt/views/jsx-runtime';
import { describe, expect, it } from 'vitest';
import { Card, Layout, Page } from './templates.js';

describe('the renderer', () => {
  it('escapes text and attributes, and keeps markup that components return', () => {
    const html = Page({ title: '<i>&"\'', items: ['<b>1</b>', 'two'] }).value;
    expect(html).toBe(
      '<html lang="en"><head><title>&lt;i&gt;&amp;&quot;&#39;</title></head><body><main>' +
        '<section class="card" data-title="&lt;i&gt;&amp;&quot;&#39;"><h2>&lt;i&gt;&amp;&quot;&#39;</h2>' +
        '<ul><li>&lt;b&gt;1&lt;/b&gt;</li><li>two</li></ul></section></main></body></html>',
    );
  });

  it('writes trustedHtml as it is, and only that', () => {
    expect(Card({ title: 'x', children: trustedHtml('<em>ok</em>') }).value).toContain('<em>ok</em>');
    expect(Card({ title: 'x', children: '<em>no</em>' }).value).toContain('&lt;em&gt;no&lt;/em&gt;');
    expect(isHtml(trustedHtml('a'))).toBe(true);
    expect(isHtml('<a>')).toBe(false);
    expect(`${trustedHtml('<br>')}`).toBe('<br>');
  });

  it('blocks script-running schemes in URL attributes, whatever their spelling', () => {
    const unsafe = [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      '\\u0000javascript:alert(1)',
      ' \\t\\njavascript:alert(1)',
      'java\\nscript:alert(1)',
      'data:text/html;base64,PHNjcmlwdD4=',
      'vbscript:x',
      'blob:https://x/1',
    ].map((u) => JSON.parse(`"${u}"`) as string);
    for (const url of unsafe) {
      for (const attribute of ['href', 'src', 'action', 'formaction', 'HREF']) {
        const html = jsx('a', { [attribute]: url, children: 'x' }).value;
        expect(html, `${attribute}=${JSON.stringify(url)}`).toBe(`<a ${attribute}="${BLOCKED_URL}">x</a>`);
      }
    }
    for (const url of [
      '/books?a=1&b=2',
      'https://example.com/x',
      'mailto:a@example.com',
      'tel:+34',
      '#top',
      'page:2',
    ]) {
      const html = jsx('a', { href: url, children: 'x' }).value;
      if (url === 'page:2') expect(html).toContain(BLOCKED_URL);
      else expect(html).toBe(`<a href="${escapeHtml(url)}">x</a>`);
    }
    expect(jsx('img', { srcset: 'a.png 1x, javascript:alert(1) 2x' }).value).toBe(
      `<img srcset="${BLOCKED_URL}">`,
    );
    expect(jsx('img', { srcset: '/a.png 1x, /b.png 2x' }).value).toBe('<img srcset="/a.png 1x, /b.png 2x">');
    // An entity cannot smuggle a scheme in: & is escaped, so the browser reads it literally.
    expect(jsx('a', { href: '&#106;avascript:alert(1)', children: 'x' }).value).toBe(
      '<a href="&amp;#106;avascript:alert(1)">x</a>',
    );
  });

  it('refuses strings in event-handler attributes and bad attribute names', () => {
    expect(() => jsx('button', { onclick: 'alert(1)' })).toThrow(/onclick attribute takes trustedHtml/);
    expect(() => jsx('button', { ONCLICK: 'alert(1)' })).toThrow(/ONCLICK/);
    expect(jsx('button', { onclick: trustedHtml('go()'), children: 'Go' }).value).toBe(
      '<button onclick="go()">Go</button>',
    );
    expect(() => jsx('a', { 'x"><script': 'y' })).toThrow(/Invalid attribute name/);
  });

  it('renders booleans, nulls, numbers, void elements, fragments and class names as HTML expects', () => {
    expect(jsx('input', { type: 'checkbox', checked: true, disabled: false, value: null }).value).toBe(
      '<input type="checkbox" checked>',
    );
    expect(
      jsx('p', { className: 'a', children: [0, null, undefined, false, true, 1n, ['x', ['y']]] }).value,
    ).toBe('<p class="a">01xy</p>');
    expect(jsx('label', { htmlFor: 'f', children: 'L' }).value).toBe('<label for="f">L</label>');
    expect(Fragment({ children: ['a', trustedHtml('<b>b</b>')] }).value).toBe('a<b>b</b>');
    expect(jsx('div', {}).value).toBe('<div></div>');
    expect(new Html('<x>').toString()).toBe('<x>');
  });

  it('throws on an object that is not markup instead of printing [object Object]', () => {
    expect(() => jsx('p', { children: { title: 'a row' } })).toThrow(
      /Cannot render \[object Object\] as HTML/,
    );
    expect(() => jsx('p', { children: Promise.resolve('late') })).toThrow(/\[object Promise\]/);
  });

  it('embeds JSON for scripts that no value can break out of, and that parses back', () => {
    const value = { text: '</script><script>alert(1)</script>', comment: '<!--', amp: 'a&b', ls: 'x\u2028y' };
    const html = jsonScript('data"x', value).value;
    expect(html.startsWith('<script type="application/json" id="data&quot;x">')).toBe(true);
    const body = html.slice(html.indexOf('>') + 1, -'</script>'.length);
    expect(body).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(body)).toEqual(value);
    expect(jsonScript('u', undefined).value).toBe('<script type="application/json" id="u">null</script>');
  });

  it('passes children and typed props to layouts', () => {
    expect(Layout({ title: 'T', children: 'body' }).value).toBe(
      '<html lang="en"><head><title>T</title></head><body><main>body</main></body></html>',
    );
  });
});
