package definitions

// Connector is connectors/<name>.json: a configured link to an outside system.
type Connector struct {
	Schema      string            `json:"$schema,omitempty"`
	Name        string            `json:"name" jsonschema:"title=连接器名称,pattern=^[a-z][a-z0-9-]*$"`
	Title       string            `json:"title" jsonschema:"title=中文名称"`
	Description string            `json:"description,omitempty" jsonschema:"title=说明"`
	Kind        string            `json:"kind" jsonschema:"title=类型,enum=lookup,enum=push,enum=callback"`
	Method      string            `json:"method,omitempty" jsonschema:"title=HTTP 方法,enum=GET,enum=POST,enum=PUT"`
	URL         string            `json:"url,omitempty" jsonschema:"title=地址模板"`
	Headers     map[string]string `json:"headers,omitempty" jsonschema:"title=请求头"`
	TimeoutMS   int               `json:"timeoutMs,omitempty" jsonschema:"title=超时（毫秒）,minimum=1"`
	Retries     int               `json:"retries,omitempty" jsonschema:"title=重试次数,minimum=0,maximum=20"`
	Auth        ConnectorAuth     `json:"auth,omitempty" jsonschema:"title=认证"`
	// Request maps the case into the request body; Response maps the answer for its users.
	Request  string `json:"request,omitempty" jsonschema:"title=请求映射（表达式）"`
	Response string `json:"response,omitempty" jsonschema:"title=响应映射（表达式，可用 response）"`
}

// ConnectorAuth is how a connector authenticates. Secrets are named, never written here:
// SecretEnv is the environment variable that holds them.
type ConnectorAuth struct {
	Type      string `json:"type,omitempty" jsonschema:"title=认证方式,enum=none,enum=basic,enum=bearer,enum=oauth2,enum=hmac"`
	SecretEnv string `json:"secretEnv,omitempty" jsonschema:"title=密钥所在环境变量"`
	TokenURL  string `json:"tokenUrl,omitempty" jsonschema:"title=OAuth2 令牌地址"`
}
