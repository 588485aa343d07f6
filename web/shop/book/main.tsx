import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BookApp } from './book-app.tsx';
import '../shared/shop.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BookApp />
  </StrictMode>,
);
