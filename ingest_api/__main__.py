from ingest_api.serve import main

main()
