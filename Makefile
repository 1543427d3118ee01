# geogrid: every target calls a script in scripts/.
.PHONY: run dev test stop bootstrap bench backup restore demo
run:        ## install what is missing, start PostGIS, migrate, load the demo, serve on 127.0.0.1:8000 (gunicorn)
	@scripts/run.sh
dev:        ## the same with Django's development server (reloads on code changes, DEBUG on)
	@scripts/run.sh --dev
test:       ## the same bootstrap, then the whole test suite against PostGIS
	@scripts/test.sh $(ARGS)
stop:       ## stop the private PostGIS cluster
	@scripts/pg.sh stop
bootstrap:
	@scripts/bootstrap.sh
bench:      ## benchmarks (not part of the test run)
	@scripts/bench.sh
backup:     ## the database and the uploaded files, one tar in var/backups/
	@scripts/backup.sh
restore:    ## make restore FILE=var/backups/….tar: into a fresh database (the old one is kept, renamed)
	@scripts/restore.sh "$(FILE)"
