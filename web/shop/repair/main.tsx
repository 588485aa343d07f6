import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RepairStatusPage } from './repair-status.tsx';
import './repair.css';

// The token is the last segment of /repairs/<token>: the signed link is the only credential.
const token = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RepairStatusPage token={token} />
  </StrictMode>,
);
