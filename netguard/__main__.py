from netguard.cli import main

raise SystemExit(main())
