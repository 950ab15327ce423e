// What `nginx -T` prints on a Debian host serving a WordPress site (captured, hosts renamed): the
// main file, then each file it included, in the order nginx read them. The site's block includes
// a snippet, and its password and API key must never leave the agent.
export const NGINX_T_STAGING = String.raw`# configuration file /etc/nginx/nginx.conf:
user www-data;
worker_processes auto;
pid /run/nginx.pid;
include /etc/nginx/modules-enabled/*.conf;

events {
	worker_connections 768;
}

http {
	sendfile on;
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	gzip on;
	upstream php { server unix:/run/php/php8.2-fpm.sock; }
	include /etc/nginx/conf.d/*.conf;
	include /etc/nginx/sites-enabled/*;
}

# configuration file /etc/nginx/modules-enabled/50-mod-http-geoip.conf:
load_module modules/ngx_http_geoip_module.so;

# configuration file /etc/nginx/mime.types:
types {
    text/html                                        html htm shtml;
}

# configuration file /etc/nginx/sites-enabled/default:
server {
	listen 80 default_server;
	server_name _;
	root /var/www/html;
}

# configuration file /etc/nginx/sites-enabled/shop:
server {
	listen 80;
	server_name staging.example.com;
	return 301 https://staging.example.com$request_uri;
}

server {
	listen 443 ssl http2;
	listen [::]:443 ssl http2;
	server_name staging.example.com; # the shop
	root /srv/www/shop/current;
	index index.php index.html;
	client_max_body_size 64m;
	ssl_certificate /etc/letsencrypt/live/staging.example.com/fullchain.pem;
	ssl_certificate_key /etc/letsencrypt/live/staging.example.com/privkey.pem;
	add_header X-Frame-Options "SAMEORIGIN";
	rewrite ^/old-shop/(.*)$ /shop/$1 permanent;

	location / {
		try_files $uri $uri/ /index.php?$args;
	}

	location ~ \.php$ {
		include snippets/fastcgi-php.conf;
		fastcgi_pass php;
		fastcgi_read_timeout 300;
		fastcgi_param DB_PASSWORD "s3cr3t-Pa55 word";
		fastcgi_param WP_HOME https://staging.example.com;
	}

	location /admin {
		auth_basic "Staff";
		auth_basic_user_file AUTHFILE;
		proxy_set_header Authorization "Basic dXNlcjpwYXNz";
	}
}

# configuration file /etc/nginx/snippets/fastcgi-php.conf:
fastcgi_split_path_info ^(.+?\.php)(/.*)$;
fastcgi_index index.php;
fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
`;

/** The same site on production with `from` → `to` edits applied to staging's dump, hosts renamed. */
export function productionDump(edits: Array<[string, string]> = []): string {
  let text = NGINX_T_STAGING.replaceAll('staging.example.com', 'www.example.com');
  for (const [from, to] of edits) text = text.replace(from, to);
  return text;
}
