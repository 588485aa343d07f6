import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppointmentApp } from './appointment-app.tsx';
import '../shared/shop.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppointmentApp />
  </StrictMode>,
);
