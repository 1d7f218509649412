// SPDX-License-Identifier: GPL-3.0
/*
    Copyright 2021 0KIMS association.

    This file is generated with [snarkJS](https://github.com/iden3/snarkjs).

    snarkJS is a free software: you can redistribute it and/or modify it
    under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.

    snarkJS is distributed in the hope that it will be useful, but WITHOUT
    ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
    or FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public
    License for more details.

    You should have received a copy of the GNU General Public License
    along with snarkJS. If not, see <https://www.gnu.org/licenses/>.
*/

pragma solidity >=0.7.0 <0.9.0;

contract ReplyScoreVerifier {
    // Scalar field size
    uint256 constant r    = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    // Base field size
    uint256 constant q   = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    // Verification Key data
    uint256 constant alphax  = 19339308210867571699656842929184437294865903805397167165890713674230986660681;
    uint256 constant alphay  = 9472457765228374708343127958397524275984775528716599319762013568951924778219;
    uint256 constant betax1  = 3603851132016909239616156489474933946734937851200726211549902103184175853457;
    uint256 constant betax2  = 12046993765727326583544492285270889789633530479121535331463325043802490018322;
    uint256 constant betay1  = 11061954984606331105449979299928787066056516537604143663591146427642140394133;
    uint256 constant betay2  = 5130821926285677535571098512755773959101166405280774765306195194727919706239;
    uint256 constant gammax1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 constant gammax2 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 constant gammay1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 constant gammay2 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    uint256 constant deltax1 = 5845187375230246690657819051694378452286750971919885621509916459626603070200;
    uint256 constant deltax2 = 20150770078634446398318913441389964017045363470540445663172746899286594124706;
    uint256 constant deltay1 = 5853702986306680037416833850635549523012088126096161384179672654577511773434;
    uint256 constant deltay2 = 5760820730746128183063303796395760989320064957039237186136169112507124468277;

    
    uint256 constant IC0x = 1102748574921613425400710310100273573198860435859629620807847291436876718565;
    uint256 constant IC0y = 5860974084350970143716259804197764997869420829015363183449237646223734003463;
    
    uint256 constant IC1x = 1190503516456773833549043476574562711715790944494305984264580524942941203619;
    uint256 constant IC1y = 3657718313727371848606197827429385435520976248230713116613010619512556269680;
    
    uint256 constant IC2x = 18221156356475419748860537962855002637138111059488941291410509631013666535835;
    uint256 constant IC2y = 943198324046732856983305872263414114912379848310708248211611953530014402528;
    
    uint256 constant IC3x = 773226365729328884032752064547754063297585021991211294599189620491451527941;
    uint256 constant IC3y = 2879585533355286755934867343799137485822004187777857043514331990766416674185;
    
    uint256 constant IC4x = 1698146381364488836994424213921536488290044211300537722635045703545643873509;
    uint256 constant IC4y = 4916552349860495647144889013011543302091476742208587980235628529256650217143;
    
    uint256 constant IC5x = 9140541682527234270297038563314836369195856455396878690285507382340194691945;
    uint256 constant IC5y = 12737903534946791030819713867832693721014716396059385481454131979973273575567;
    
    uint256 constant IC6x = 10027511690807439316367251398639136831070769426789735858242421949327901653708;
    uint256 constant IC6y = 3383258043613781222126312926901963564320514137176446138825272701871471125394;
    
    uint256 constant IC7x = 17762069572265368203785006131105377511839045257942785833385557647922993993614;
    uint256 constant IC7y = 19612379732205824005021322987016190435555357662955180451322210042861694157656;
    
    uint256 constant IC8x = 16240511666051730775042853149851071497212961361323436042990781186165619188005;
    uint256 constant IC8y = 19675449440493035420790124335971816978489285645256646699935542990881829205741;
    
    uint256 constant IC9x = 2429644256354905023844250530687263211862326548808111317117521840593408236652;
    uint256 constant IC9y = 21159531786367501400735077509830117225045939735815183260513731270894730407721;
    
    uint256 constant IC10x = 4179848232993297735260523441168388746111996690990978638604338190130477541163;
    uint256 constant IC10y = 6227230335050090096362880095952162592025569688801477515361657911204551567731;
    
    uint256 constant IC11x = 14034348181723959883120295739988483136340007527972838730844531715397647636919;
    uint256 constant IC11y = 1799918000555374351596810727790064661599295821007793675035831008337783955722;
    
 
    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[11] calldata _pubSignals) public view returns (bool) {
        assembly {
            function checkField(v) {
                if iszero(lt(v, r)) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }
            
            // G1 function to multiply a G1 value(x,y) to value in an address
            function g1_mulAccC(pR, x, y, s) {
                let success
                let mIn := mload(0x40)
                mstore(mIn, x)
                mstore(add(mIn, 32), y)
                mstore(add(mIn, 64), s)

                success := staticcall(sub(gas(), 2000), 7, mIn, 96, mIn, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }

                mstore(add(mIn, 64), mload(pR))
                mstore(add(mIn, 96), mload(add(pR, 32)))

                success := staticcall(sub(gas(), 2000), 6, mIn, 128, pR, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }

            function checkPairing(pA, pB, pC, pubSignals, pMem) -> isOk {
                let _pPairing := add(pMem, pPairing)
                let _pVk := add(pMem, pVk)

                mstore(_pVk, IC0x)
                mstore(add(_pVk, 32), IC0y)

                // Compute the linear combination vk_x
                
                g1_mulAccC(_pVk, IC1x, IC1y, calldataload(add(pubSignals, 0)))
                
                g1_mulAccC(_pVk, IC2x, IC2y, calldataload(add(pubSignals, 32)))
                
                g1_mulAccC(_pVk, IC3x, IC3y, calldataload(add(pubSignals, 64)))
                
                g1_mulAccC(_pVk, IC4x, IC4y, calldataload(add(pubSignals, 96)))
                
                g1_mulAccC(_pVk, IC5x, IC5y, calldataload(add(pubSignals, 128)))
                
                g1_mulAccC(_pVk, IC6x, IC6y, calldataload(add(pubSignals, 160)))
                
                g1_mulAccC(_pVk, IC7x, IC7y, calldataload(add(pubSignals, 192)))
                
                g1_mulAccC(_pVk, IC8x, IC8y, calldataload(add(pubSignals, 224)))
                
                g1_mulAccC(_pVk, IC9x, IC9y, calldataload(add(pubSignals, 256)))
                
                g1_mulAccC(_pVk, IC10x, IC10y, calldataload(add(pubSignals, 288)))
                
                g1_mulAccC(_pVk, IC11x, IC11y, calldataload(add(pubSignals, 320)))
                

                // -A
                mstore(_pPairing, calldataload(pA))
                mstore(add(_pPairing, 32), mod(sub(q, calldataload(add(pA, 32))), q))

                // B
                mstore(add(_pPairing, 64), calldataload(pB))
                mstore(add(_pPairing, 96), calldataload(add(pB, 32)))
                mstore(add(_pPairing, 128), calldataload(add(pB, 64)))
                mstore(add(_pPairing, 160), calldataload(add(pB, 96)))

                // alpha1
                mstore(add(_pPairing, 192), alphax)
                mstore(add(_pPairing, 224), alphay)

                // beta2
                mstore(add(_pPairing, 256), betax1)
                mstore(add(_pPairing, 288), betax2)
                mstore(add(_pPairing, 320), betay1)
                mstore(add(_pPairing, 352), betay2)

                // vk_x
                mstore(add(_pPairing, 384), mload(add(pMem, pVk)))
                mstore(add(_pPairing, 416), mload(add(pMem, add(pVk, 32))))


                // gamma2
                mstore(add(_pPairing, 448), gammax1)
                mstore(add(_pPairing, 480), gammax2)
                mstore(add(_pPairing, 512), gammay1)
                mstore(add(_pPairing, 544), gammay2)

                // C
                mstore(add(_pPairing, 576), calldataload(pC))
                mstore(add(_pPairing, 608), calldataload(add(pC, 32)))

                // delta2
                mstore(add(_pPairing, 640), deltax1)
                mstore(add(_pPairing, 672), deltax2)
                mstore(add(_pPairing, 704), deltay1)
                mstore(add(_pPairing, 736), deltay2)


                let success := staticcall(sub(gas(), 2000), 8, _pPairing, 768, _pPairing, 0x20)

                isOk := and(success, mload(_pPairing))
            }

            let pMem := mload(0x40)
            mstore(0x40, add(pMem, pLastMem))

            // Validate that all evaluations ∈ F
            
            checkField(calldataload(add(_pubSignals, 0)))
            
            checkField(calldataload(add(_pubSignals, 32)))
            
            checkField(calldataload(add(_pubSignals, 64)))
            
            checkField(calldataload(add(_pubSignals, 96)))
            
            checkField(calldataload(add(_pubSignals, 128)))
            
            checkField(calldataload(add(_pubSignals, 160)))
            
            checkField(calldataload(add(_pubSignals, 192)))
            
            checkField(calldataload(add(_pubSignals, 224)))
            
            checkField(calldataload(add(_pubSignals, 256)))
            
            checkField(calldataload(add(_pubSignals, 288)))
            
            checkField(calldataload(add(_pubSignals, 320)))
            

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }
 }
