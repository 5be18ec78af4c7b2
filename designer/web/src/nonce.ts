// The style nonce the server put in index.html for this response (designer/web/embed.go):
// antd's and CodeMirror's generated <style> elements carry it, so the page's CSP needs no
// 'unsafe-inline'.
export const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? '';
