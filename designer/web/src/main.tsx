import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { nonce } from './nonce';
import { Studio } from './Studio';
import './studio.css';

/**
 * The theme keeps every text at 4.5:1 or more on white (WCAG 2.1 AA): antd's own link, error,
 * secondary, description and placeholder colours are lighter than that.
 */
const token = {
  colorPrimary: '#1f5fa8',
  colorLink: '#1f5fa8',
  colorError: '#cf1322',
  colorTextSecondary: '#595959',
  colorTextDescription: '#595959',
  colorTextPlaceholder: '#707070',
};

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConfigProvider locale={zhCN} csp={{ nonce }} theme={{ token }}>
      <AntApp>
        <Studio />
      </AntApp>
    </ConfigProvider>
  </StrictMode>,
);
