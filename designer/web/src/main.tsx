import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { nonce } from './nonce';
import { Studio } from './Studio';
import './studio.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConfigProvider locale={zhCN} csp={{ nonce }} theme={{ token: { colorPrimary: '#1f5fa8' } }}>
      <AntApp>
        <Studio />
      </AntApp>
    </ConfigProvider>
  </StrictMode>,
);
