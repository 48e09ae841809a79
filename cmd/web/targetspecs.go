package main

import (
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// targetSpec is one target as configured, before its client exists.
type targetSpec struct {
	target targets.Target // Tasks is filled by buildTargets
	dcs    dcs.Config
}

// targetSpecs are the targets the configuration describes: the -config
// file's list, or the one target named targets.DefaultName that the -dcs-*
// flags describe (nothing in demo mode, which makes its own).
func (c config) targetSpecs() []targetSpec {
	if len(c.Targets) == 0 {
		return []targetSpec{{
			target: targets.Target{Name: targets.DefaultName, Region: c.DCSRegion, Endpoint: c.DCSEndpoint, ProjectID: c.DCSProjectID},
			dcs: dcs.Config{Region: c.DCSRegion, Endpoint: c.DCSEndpoint, ProjectID: c.DCSProjectID,
				Timeout: c.DCSTimeout, UseMetadata: c.DCSMetadata},
		}}
	}
	specs := make([]targetSpec, len(c.Targets))
	for i, t := range c.Targets {
		specs[i] = targetSpec{
			target: targets.Target{Name: t.Name, DisplayName: t.DisplayName, Region: t.Region, Endpoint: t.Endpoint,
				ProjectID: t.ProjectID, OperatorGroups: t.OperatorGroups},
			// Without *_env keys the SDK's own chain finds the credentials,
			// as it does for the single-target flags.
			dcs: dcs.Config{Region: t.Region, Endpoint: t.Endpoint, ProjectID: t.ProjectID, Timeout: c.DCSTimeout,
				UseMetadata: c.DCSMetadata, AccessKey: t.ak, SecretKey: t.sk, SecurityToken: t.token},
		}
	}
	return specs
}
