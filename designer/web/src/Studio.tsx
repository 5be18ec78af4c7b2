import { lazy, Suspense, useEffect, useState } from 'react';
import { Alert, Button, Spin } from 'antd';
import { api, ApiError, loginURL, type Session } from './api';
import { MatterList } from './MatterList';
import { Editor } from './Editor';

const SharedDefinitions = lazy(() => import('./shared/SharedDefinitions'));

const DashboardPage = lazy(() => import('./dashboard/DashboardPage'));
const onDashboards = () => window.location.hash.startsWith('#/dashboards');

/** route is the hash route: #/ the matter list, #/m/<slug> a matter's editor, #/shared the shared definitions, #/dashboards the dashboards. */
function route(): string | null {
  if (window.location.hash.startsWith('#/shared')) return '#shared';
  const m = /^#\/m\/([a-z0-9-]+)/.exec(window.location.hash);
  return m ? m[1] : null;
}

export function Studio() {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState('');
  const [slug, setSlug] = useState(route);
  const [boards, setBoards] = useState(onDashboards);
  useEffect(() => {
    api.session().then(setSession, (e: ApiError) => setError(e.status === 403 ? '您的账号没有事项梳理或事项审核权限。' : e.message));
    const onHash = () => (setSlug(route()), setBoards(onDashboards()));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return (
    <>
      <header className="studio-header">
        <h1>
          <a href="#/">事项设计器</a>
        </h1>
        <a href="#/dashboards">数据看板</a>
        <span style={{ flex: 1 }} />
        {session?.roles.includes('admin') && <Button href="#/shared">共用定义</Button>}
        {session && (
          <span>
            {session.user.name}（{session.roles.map((r) => ({ analyst: '事项梳理', publisher: '事项审核', admin: '管理员' })[r] ?? r).join('、')}）
          </span>
        )}
        <Button href="/account/">账号</Button>
      </header>
      <main className="studio-main">
        {error ? (
          <Alert type="error" showIcon title={error} action={<Button href={loginURL}>重新登录</Button>} />
        ) : !session ? (
          <Spin description="正在载入…" />
        ) : slug === '#shared' ? (
          <Suspense fallback={<Spin />}><SharedDefinitions /></Suspense>
        ) : boards ? (
          <Suspense fallback={<Spin description="正在载入…" />}>
            <DashboardPage />
          </Suspense>
        ) : slug ? (
          <Editor key={slug} slug={slug} session={session} />
        ) : (
          <MatterList session={session} />
        )}
      </main>
    </>
  );
}
