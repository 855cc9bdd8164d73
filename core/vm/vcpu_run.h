/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_VM_VCPU_RUN_H
#define MHV_CORE_VM_VCPU_RUN_H

/*
 * A vCPU's whole life on the host CPU it was given, until its VM ends
 * (arg: the struct vcpu). The BSP runs from the state its VM was loaded
 * with; an AP waits for a SIPI, runs from the vector it names, and waits
 * again after each INIT. An AP's VMCB/VMCS is made and freed on its own
 * CPU (VMX's host state is that CPU's), the BSP's by the VM's creator.
 */
void vcpu_thread(void *arg);

#endif
