// Templates for the renderer's tests, and what the compiler refuses in them: each
// `@ts-expect-error` below fails `tsc` if the wrong prop were ever accepted.
import type { Child, Html } from 'basalt/views';

export function Layout(props: { title: string; children?: Child }): Html {
  return (
    <html lang="en">
      <head>
        <title>{props.title}</title>
      </head>
      <body>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

export function Card(props: { title: string; children?: Child }): Html {
  return (
    <section class="card" data-title={props.title}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function Page(props: { title: string; items: readonly string[] }): Html {
  return (
    <Layout title={props.title}>
      <Card title={props.title}>
        <ul>
          {props.items.map((item) => (
            <li>{item}</li>
          ))}
        </ul>
      </Card>
    </Layout>
  );
}

export const checked = [
  // @ts-expect-error a required prop is missing
  <Card />,
  // @ts-expect-error a prop of the wrong type
  <Card title={42} />,
  // @ts-expect-error a prop the component does not take
  <Card title="t" colour="red" />,
  // @ts-expect-error an object is not an attribute value
  <a href={{ url: '/' }}>x</a>,
];
