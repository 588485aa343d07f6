import type { ReactNode } from 'react';

/** The frame of every customer shop page: the company's name, a title, the content. */
export function ShopPage(props: { readonly title: string; readonly children: ReactNode }) {
  return (
    <div className="page">
      <header className="brand">
        <span className="logo" aria-hidden="true">
          R
        </span>
        <span>Rapport shops</span>
      </header>
      <main>
        <h1>{props.title}</h1>
        {props.children}
      </main>
    </div>
  );
}
