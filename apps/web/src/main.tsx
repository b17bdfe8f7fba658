import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter, Navigate, Route, Routes } from 'react-router-dom';
import { Layout, RequireRole } from './components/Layout';
import { Loading } from './components/States';
import { LoginPage } from './pages/auth/LoginPage';
import { SignupPage } from './pages/auth/SignupPage';
import { FailedClaimsPage } from './pages/admin/FailedClaimsPage';
import { ModerationPage } from './pages/admin/ModerationPage';
import { CampaignBuilderPage } from './pages/brand/CampaignBuilderPage';
import { CampaignPage } from './pages/brand/CampaignPage';
import { CampaignsPage } from './pages/brand/CampaignsPage';
import { ClaimsPage } from './pages/member/ClaimsPage';
import { NotificationsPage } from './pages/member/NotificationsPage';
import { PerkPage } from './pages/member/PerkPage';
import { PerksPage } from './pages/member/PerksPage';
import { ProfilePage } from './pages/member/ProfilePage';
import { homeFor, SessionProvider, useSession } from './session';
import './styles.css';

function Home() {
  const { me, restoring } = useSession();
  if (restoring) return <Loading label="Checking your session…" />;
  return <Navigate to={me ? homeFor(me) : '/login'} replace />;
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <a href="#/">Go to your home page</a>
      </p>
    </section>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider>
      <HashRouter>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<Home />} />
            <Route path="login" element={<LoginPage />} />
            <Route path="signup" element={<SignupPage />} />
            <Route element={<RequireRole roles={['member']} />}>
              <Route path="perks" element={<PerksPage />} />
              <Route path="perks/:campaignId" element={<PerkPage />} />
              <Route path="claims" element={<ClaimsPage />} />
              <Route path="notifications" element={<NotificationsPage />} />
              <Route path="profile" element={<ProfilePage />} />
            </Route>
            <Route element={<RequireRole roles={['brand', 'admin']} />}>
              <Route path="campaigns" element={<CampaignsPage />} />
              <Route path="campaigns/:id" element={<CampaignPage />} />
            </Route>
            <Route element={<RequireRole roles={['brand']} />}>
              <Route path="campaigns/new" element={<CampaignBuilderPage />} />
              <Route path="campaigns/:id/edit" element={<CampaignBuilderPage />} />
            </Route>
            <Route element={<RequireRole roles={['admin']} />}>
              <Route path="admin/moderation" element={<ModerationPage />} />
              <Route path="admin/claims" element={<FailedClaimsPage />} />
            </Route>
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </HashRouter>
    </SessionProvider>
  </StrictMode>,
);
