"""Big-data legal supervision: external datasets, model rules as SQL, leads worked to closure (issue 16)."""
