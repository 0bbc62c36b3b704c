-- Issue 12: the identity (subject and alternative names) of the client certificate a
-- worker presented over mutual TLS; NULL for a worker on plain TCP or one-way TLS.
ALTER TABLE workers ADD COLUMN certificate_identity text;
