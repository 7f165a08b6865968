"""Where uploaded files are hosted so APIMart can fetch them: one interface (base.Storage), two backends
(app_hosted: files on this server's disk served by the /files route; s3: an S3-compatible bucket with
presigned GET URLs), chosen by settings (settings.StorageSettings.from_env, settings.make_storage)."""
